package spine.controller.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import spine.controller.log.LogOutput;
import spine.controller.state.SpineRoot;
import spine.controller.state.StateException;

/** The {@code spine} command line. Every command returns an exit code from {@link ExitCode}. */
public final class Cli {
    private static final System.Logger LOG = System.getLogger("cli");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private final Map<String, String> env;
    private final Clock clock;
    private final java.io.PrintStream out;
    private final java.io.PrintStream err;

    public Cli(Map<String, String> env, Clock clock, java.io.PrintStream out, java.io.PrintStream err) {
        this.env = Map.copyOf(env);
        this.clock = clock;
        this.out = out;
        this.err = err;
    }

    public int run(List<String> argv) {
        if (argv.isEmpty() || List.of("help", "-h", "--help").contains(argv.getFirst())) {
            Optional<Command> about = argv.size() > 1 ? Command.of(argv.get(1)) : Optional.empty();
            out.print(about.map(Command::help).orElse(HELP));
            return argv.isEmpty() ? ExitCode.INVALID : ExitCode.OK;
        }
        String command = argv.getFirst();
        Optional<Command> known = Command.of(command);
        if (known.isPresent() && (argv.contains("--help") || argv.contains("-h"))) {
            out.print(known.get().help());
            return ExitCode.OK;
        }
        try {
            Args args = Args.parse(argv.subList(1, argv.size()));
            Path rootPath = args.one("--root").or(() -> Optional.ofNullable(env.get("SPINE_ROOT"))).map(Path::of)
                    .orElse(SpineRoot.DEFAULT);
            var root = new SpineRoot(rootPath);
            boolean verbose = args.flag("-v") || args.flag("--verbose");
            LogOutput.stderrFrom(command.equals("run") || verbose ? System.Logger.Level.INFO : System.Logger.Level.WARNING);
            int parallel = Integer.parseInt(args.one("--parallel").orElse(env.getOrDefault("SPINE_PARALLEL", "4")));
            var m = new Machine(root, clock, env, out, err, Math.max(1, parallel));
            return switch (command) {
                case "apply" -> new IntentCommands(m).apply(args);
                case "diff" -> new IntentCommands(m).diff(args);
                case "delete" -> new IntentCommands(m).delete(args);
                case "get" -> new GetCommand(m).get(args);
                case "focus" -> new FocusCommand(m).focus(args);
                case "history" -> new HistoryCommand(m).history(args);
                case "doctor" -> new ValidateCommand(m).doctor(args);
                case "completion" -> new CompletionCommand(m).completion(args);
                case "run" -> new LoopCommands(m).run(args);
                case "reconcile" -> new LoopCommands(m).reconcile(args);
                case "metrics" -> new LoopCommands(m).metrics(args);
                case "validate" -> new ValidateCommand(m).validate(args);
                case "image" -> new ImageCommand(m).image(args);
                case "persona" -> new PersonaCommand(m).persona(args);
                case "upgrade" -> new UpgradeCommand(m).upgrade(args);
                case "nack" -> new UpgradeCommand(m).nack(args);
                case "boot" -> new BootCommand(m).boot(args);
                case "version" -> {
                    out.println("spine " + version());
                    yield ExitCode.OK;
                }
                default -> throw new UsageException("unknown command \"" + command + "\"; run spine help");
            };
        } catch (UsageException | NumberFormatException e) {
            err.println("spine: " + e.getMessage());
            return ExitCode.INVALID;
        } catch (StateException e) {
            err.println("spine: " + e.getMessage());
            LOG.log(System.Logger.Level.ERROR, "command failed command={0} error=\"{1}\"", command, e.getMessage());
            return ExitCode.UNAVAILABLE;
        }
    }

    public static String version() {
        String v = Cli.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }

    static final String HELP = Command.overview();
}
