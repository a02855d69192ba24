package auth

import "time"

// SetHashWait sets how long s waits for a password hashing slot, so that a
// test of ErrBusy need not wait the full few seconds.
func SetHashWait(s *Service, d time.Duration) { s.hashWait = d }

// HoldHashSlots takes every password hashing slot of s until release is
// called.
func HoldHashSlots(s *Service) (release func()) {
	for range cap(s.hashing) {
		s.hashing <- struct{}{}
	}
	return func() {
		for range cap(s.hashing) {
			<-s.hashing
		}
	}
}
