package spine.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Only spine.controller.state touches the root. Enforced on the compiled classes of every module: outside
 * that package, no code may call the file-system or JDBC APIs. (The process runner starts podman, which is
 * not a file access.) Later drivers that read sysfs through an injected root Path join an explicit list here.
 */
class ArchitectureTest {
    private static final Path REPO = Path.of(System.getProperty("spine.repo", ".."));
    private static final Set<String> FORBIDDEN_OWNERS = Set.of(
            "java/nio/file/Files", "java/nio/file/Paths", "java/nio/channels/FileChannel",
            "java/io/FileInputStream", "java/io/FileOutputStream", "java/io/FileReader", "java/io/FileWriter",
            "java/io/RandomAccessFile", "java/io/File", "java/sql/DriverManager",
            "org/sqlite/SQLiteConfig", "org/sqlite/SQLiteDataSource", "org/flywaydb/core/Flyway",
            "org/newsclub/net/unix/AFUNIXSocket", "org/newsclub/net/unix/AFUNIXServerSocket");
    private static final String STATE = "spine/controller/state/";
    /**
     * Packages that touch files but never the root, each for a reason:
     * drivers/kernel reads procfs, sysfs, /dev and /lib/modules under its own injected root Path (PID 1's
     * kernel interface); drivers/sysfs reads and writes cgroup and /proc tunables under its injected root Path;
     * controller/image reads the image archive and contract it is handed (build-time tooling); controller/umbilical
     * owns the sockets it shares with containers under the run directory (/run/spine), which is not continuity;
     * drivers/sway connects to the compositor's IPC socket under the run directory.
     */
    private static final List<String> ALLOWED = List.of(STATE, "spine/drivers/kernel/", "spine/drivers/sysfs/",
            "spine/drivers/sway/", "spine/controller/image/", "spine/controller/umbilical/");

    @Test
    void onlyTheStatePackageTouchesTheRoot() throws IOException {
        assertThat(calls(owner -> ALLOWED.stream().anyMatch(owner::startsWith), c -> FORBIDDEN_OWNERS.contains(c.target())))
                .as("file or database access outside " + STATE).isEmpty();
    }

    @Test
    void theRuleCatchesAViolation() throws IOException {
        // The scanner must see a Files call when there is one: the state package's own SpineRoot has several.
        ClassModel cm = ClassFile.of().parse(REPO.resolve("controller/target/classes/spine/controller/state/SpineRoot.class"));
        boolean seen = cm.methods().stream().flatMap(m -> m.code().stream()).flatMap(c -> c.elementStream())
                .anyMatch(e -> e instanceof InvokeInstruction i && i.owner().asInternalName().equals("java/nio/file/Files"));
        assertThat(seen).isTrue();
    }

    /**
     * Tests run in any order, on a machine that never ran one: the IT scratch base, /var/tmp/spine-it, is named only by
     * PodmanHarness, which makes it before handing out a directory under it (issue 32: FocusIT failed on a fresh machine
     * because it used the base before anything had made it).
     */
    @Test
    void onlyTheHarnessNamesTheItScratchBase() throws IOException {
        var naming = new ArrayList<String>();
        String base = String.join("/", "", "var", "tmp", "spine-it"); // not a constant of this class's own
        Path classes = REPO.resolve("controller/target/test-classes");
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                ClassModel cm = ClassFile.of().parse(f);
                boolean names = false;
                for (var entry : cm.constantPool()) {
                    if (entry instanceof java.lang.classfile.constantpool.StringEntry s && s.stringValue().startsWith(base)) names = true;
                }
                if (names) naming.add(cm.thisClass().asInternalName());
            }
        }
        assertThat(naming).containsExactly("spine/controller/PodmanHarness");
    }

    /**
     * The machine's own system calls are had once, by an entry point, and handed on: everything else takes a
     * {@code Syscalls} in its constructor, so a test can give it another (issue 27).
     */
    private static final Set<String> ENTRY_POINTS = Set.of("spine/controller/Main", "spine/controller/cli/Machine",
            "spine/controller/pid1/Bay0");

    @Test
    void onlyTheEntryPointsAskForTheMachinesSyscalls() throws IOException {
        assertThat(calls(owner -> ENTRY_POINTS.contains(owner) || owner.startsWith("spine/drivers/kernel/"),
                c -> c.target().equals("spine/drivers/kernel/Syscalls") && c.name().equals("linux")))
                .as("Syscalls.linux() outside " + ENTRY_POINTS).isEmpty();
    }

    /** Every process starts through the CommandRunner seam: logged, bounded or registered with PID 1's reaper. */
    @Test
    void processesStartOnlyInTheExecPackage() throws IOException {
        assertThat(calls(owner -> owner.startsWith("spine/drivers/exec/"),
                c -> c.target().equals("java/lang/ProcessBuilder") || (c.target().equals("java/lang/Runtime") && c.name().equals("exec"))))
                .as("processes started outside spine.drivers.exec").isEmpty();
    }

    /**
     * Host paths are named in one place: /proc, /sys and /etc resolve under the injected root of drivers.kernel
     * (or of the sysfs driver, which names them relative to its root), and PID 1 names the ones it mounts and reads
     * at boot. controller/image names paths inside the image archive it checks, never this machine's.
     */
    private static final List<String> MAY_NAME_HOST_PATHS = List.of("spine/drivers/kernel/", "spine/controller/pid1/",
            "spine/controller/image/");

    @Test
    void noHostPathOutsideTheKernelDriverAndPid1() throws IOException {
        var violations = new ArrayList<String>();
        for (ClassModel cm : mainClasses()) {
            String owner = cm.thisClass().asInternalName();
            if (MAY_NAME_HOST_PATHS.stream().anyMatch(owner::startsWith)) continue;
            for (String constant : strings(cm)) {
                if (HOST_PATH.matcher(constant).lookingAt()) violations.add(owner + ": \"" + constant + "\"");
            }
        }
        assertThat(violations).as("host paths named outside " + MAY_NAME_HOST_PATHS).isEmpty();
    }

    @Test
    void theHostPathRuleSeesConstantsAndConcatenations() throws IOException {
        // Kernel names /proc/uptime as a constant and "/proc/" + pid + "/stat" as a concatenation recipe
        ClassModel kernel = ClassFile.of().parse(REPO.resolve("drivers/target/classes/spine/drivers/kernel/Kernel.class"));
        assertThat(strings(kernel)).anyMatch(c -> c.equals("/proc/uptime")).anyMatch(c -> c.startsWith("/proc/\u0001/stat"));
    }

    private static final java.util.regex.Pattern HOST_PATH = java.util.regex.Pattern.compile("/(proc|sys|etc)(/|$|\u0001)");

    /** Every string in a class's constant pool: literals, and the recipes of string concatenations. */
    private static List<String> strings(ClassModel cm) {
        var out = new ArrayList<String>();
        for (var entry : cm.constantPool()) {
            if (entry instanceof java.lang.classfile.constantpool.StringEntry s) out.add(s.stringValue());
        }
        return out;
    }

    /** One call or {@code new} in a method's code: the method, the class it reaches and the member's name. */
    private record Call(String method, String target, String name) {}

    /** "owner.method calls target.name" for every matching call of every main class that is not exempt. */
    private static List<String> calls(java.util.function.Predicate<String> exempt, java.util.function.Predicate<Call> matching)
            throws IOException {
        var out = new ArrayList<String>();
        for (ClassModel cm : mainClasses()) {
            String owner = cm.thisClass().asInternalName();
            if (exempt.test(owner)) continue;
            for (Call c : calls(cm)) {
                if (matching.test(c)) out.add(owner + "." + c.method() + " calls " + c.target() + "." + c.name());
            }
        }
        return out;
    }

    private static List<Call> calls(ClassModel cm) {
        var out = new ArrayList<Call>();
        for (MethodModel m : cm.methods()) {
            m.code().ifPresent(code -> code.forEach(e -> {
                switch (e) {
                    case InvokeInstruction i -> out.add(new Call(m.methodName().stringValue(), i.owner().asInternalName(), i.name().stringValue()));
                    case NewObjectInstruction n -> out.add(new Call(m.methodName().stringValue(), n.className().asInternalName(), "<init>"));
                    default -> { }
                }
            }));
        }
        return out;
    }

    private static List<ClassModel> mainClasses() throws IOException {
        var out = new ArrayList<ClassModel>();
        for (String module : List.of("model", "drivers", "controller")) {
            try (Stream<Path> files = Files.walk(REPO.resolve(module).resolve("target/classes"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) out.add(ClassFile.of().parse(f));
            }
        }
        assertThat(out).as("classes scanned").hasSizeGreaterThan(40);
        return out;
    }
}
