package bench

import "syscall"

// childAttr has the kernel stop the gateway if the bench dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
