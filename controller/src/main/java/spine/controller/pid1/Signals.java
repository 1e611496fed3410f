package spine.controller.pid1;

/** How PID 1 learns to shut down: SIGTERM powers off, SIGINT (ctrl-alt-del) reboots. A unit test calls the handlers. */
interface Signals {
    void install(Runnable onTerm, Runnable onInt);

    /** The real signals, through the JDK's sun.misc.Signal (jdk.unsupported, in the jlinked runtime). */
    static Signals jdk() {
        return (onTerm, onInt) -> {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> onTerm.run());
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> onInt.run());
        };
    }
}
