package spine.controller;

import java.time.Clock;
import java.util.List;

import spine.controller.cli.Cli;

/** One binary: {@code spine ...} on the command line, and bay0 when it runs as PID 1 (the boot issue). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("bay0")) {
            // PID 1's first line needs the system call downcall, whose making takes about 0.3 s under emulation: it is
            // made on the second CPU while this thread sets up logging and the boot's objects (BENCHMARKS, "Boot
            // speed, fifth part"); the class's initialisation lock makes the boot wait for it if it is not done yet
            Thread.ofPlatform().daemon().name("downcall").start(() -> spine.drivers.kernel.Syscalls.linux().uptime());
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING); // libraries' chatter (JUL)
        if (args.length > 1 && args[0].equals("bay0") && args[1].equals("--validate")) {
            // bay0 --validate is the same check as spine validate
            var rest = new java.util.ArrayList<>(List.of(args).subList(2, args.length));
            rest.addFirst("validate");
            System.exit(new Cli(System.getenv(), Clock.systemUTC(), System.out, System.err).run(rest));
        }
        if (args.length > 0 && args[0].equals("bay0")) {
            if (ProcessHandle.current().pid() != 1) {
                System.err.println("bay0: runs only as PID 1 (the image's /sbin/init); for commands use spine");
                System.exit(2);
            }
            spine.controller.pid1.Bay0.pid1(new spine.drivers.kernel.Kernel(java.nio.file.Path.of("/")), Clock.systemUTC(),
                    Cli.version()).run();
        }
        int code;
        try {
            code = new Cli(System.getenv(), Clock.systemUTC(), System.out, System.err).run(List.of(args));
        } catch (RuntimeException | Error e) {
            System.getLogger("main").log(System.Logger.Level.ERROR, "internal error: a bug", e);
            System.err.println("spine: internal error (a bug): " + e + "; spine.log has the stack trace");
            code = 4;
        }
        System.out.flush();
        System.exit(code);
    }
}
