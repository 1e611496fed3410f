package spine.controller.pid1;

import java.time.Clock;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/** What every part of the boot works with: the kernel's files, its system calls, the clock and the genesis lines. */
record BootContext(Kernel kernel, Syscalls sys, Clock clock, Genesis genesis) {}
