package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters of new hashes: OWASP's first recommendation
// (19 MiB, two passes, one lane). Old hashes carry their own, so these may
// grow without invalidating any password.
const (
	hashMemory  = 19 * 1024 // KiB
	hashTime    = 2
	hashThreads = 1
	saltLen     = 16
	keyLen      = 32
)

// Bounds on the parameters VerifyPassword accepts, so that a damaged or
// planted hash cannot make one sign-in take minutes or gigabytes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 100
	maxThreads = 64
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// errMalformed is VerifyPassword's error for a string that is not an
// argon2id hash it can check.
var errMalformed = errors.New("auth: malformed password hash")

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// phc is a parsed argon2id hash.
type phc struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// encode returns h in the PHC string format.
func (h phc) encode() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// derive computes an n-byte key of password under h's parameters and salt.
func (h phc) derive(password string, n int) []byte {
	return argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(n))
}

// parsePHC reads "$argon2id$v=19$m=M,t=T,p=P$SALT$KEY", refusing any other
// algorithm or version, parameters out of bounds, and anything extra.
func parsePHC(encoded string) (phc, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return phc{}, fmt.Errorf("%w: want $argon2id$v=19$m=M,t=T,p=P$salt$hash", errMalformed)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: version %q, want v=%d", errMalformed, parts[2], argon2.Version)
	}
	var h phc
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return phc{}, fmt.Errorf("%w: parameters %q, want m=M,t=T,p=P", errMalformed, parts[3])
	}
	m, err1 := param(params[0], "m=", 32)
	t, err2 := param(params[1], "t=", 32)
	p, err3 := param(params[2], "p=", 8)
	if err := errors.Join(err1, err2, err3); err != nil {
		return phc{}, err
	}
	h.memory, h.time, h.threads = uint32(m), uint32(t), uint8(p)
	switch {
	case h.threads < 1 || h.threads > maxThreads:
		return phc{}, fmt.Errorf("%w: p=%d, want 1 to %d", errMalformed, h.threads, maxThreads)
	case h.time < 1 || h.time > maxTime:
		return phc{}, fmt.Errorf("%w: t=%d, want 1 to %d", errMalformed, h.time, maxTime)
	case h.memory < 8*uint32(h.threads) || h.memory > maxMemory:
		// argon2 would quietly raise a memory below 8 KiB per lane.
		return phc{}, fmt.Errorf("%w: m=%d, want %d to %d KiB", errMalformed, h.memory, 8*uint32(h.threads), maxMemory)
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < minSalt || len(h.salt) > maxSalt {
		return phc{}, fmt.Errorf("%w: salt must be %d to %d bytes in unpadded base64", errMalformed, minSalt, maxSalt)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < minKey || len(h.key) > maxKey {
		return phc{}, fmt.Errorf("%w: hash must be %d to %d bytes in unpadded base64", errMalformed, minKey, maxKey)
	}
	return h, nil
}

// param reads one "k=N" parameter of parsePHC.
func param(s, prefix string, bits int) (uint64, error) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, fmt.Errorf("%w: parameter %q, want %sN", errMalformed, s, prefix)
	}
	n, err := strconv.ParseUint(digits, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: parameter %q is not a number in range", errMalformed, s)
	}
	return n, nil
}
