package spine.model.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Mutation fuzz of the spec parser, seeded from specs/examples and the golden cases: random byte, line and
 * structure edits. Every outcome must be specs or located errors (file, line and column inside the input),
 * never an exception or a hang, and every accepted spec must survive the codec round trip unchanged.
 * {@code -Dfuzz.cases=N} and {@code -Dfuzz.seed=S} repeat or widen a run (scripts/bench.sh fuzz runs 500,000).
 */
class SpecParserFuzzTest {
    private static final int CASES = Integer.getInteger("fuzz.cases", 20_000);
    private static final long SEED = Long.getLong("fuzz.seed", 20261123L);
    private static final String FILE = "fuzz.yaml";
    private static final String[] TOKENS = {
        "---", "...", "~", "null", "[]", "{}", "\"\"", "''", "-1", "0x10", "1e309", ".inf", ".nan", "&a", "*a", "!!binary",
        "!!str", "? ", ": ", "- ", "|", ">", "#", "%YAML 1.2", "99999999999999999999Ti", "512Mi", "0.001", "true", "yes",
        "p://", "sys://", "p://x", "sys://ai", "/run/spine/../x", "\t", "\u0000", "\uFEFF", "\u00e9", "\"\\u0000\"", "<<: *a",
        "kind: Envelope", "kind: Tenant", "kind: Persona", "apiVersion: spine/v1", "metadata: {name: p://f}", "spec:",
    };

    private static List<String> seeds() throws IOException {
        var out = new ArrayList<String>();
        for (Path dir : List.of(Path.of("../specs/examples"), Path.of("../specs/display"), Path.of("src/test/resources/golden"))) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                    out.add(Files.readString(f, StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(out).as("fuzz seeds").hasSizeGreaterThan(20);
        return out;
    }

    @Test
    void everyMutationGivesSpecsOrLocatedErrors() throws IOException {
        List<String> seeds = seeds();
        var rnd = new Random(SEED);
        int[] outcomes = new int[2];
        long t0 = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(Math.max(120, CASES / 200)), () -> {
            for (int i = 0; i < CASES; i++) {
                String input = seeds.get(rnd.nextInt(seeds.size()));
                int edits = 1 + rnd.nextInt(4);
                for (int e = 0; e < edits; e++) input = mutate(input, rnd);
                check(i, input);
                outcomes[SpecParser.parse(FILE, input).ok() ? 0 : 1]++;
            }
        }, () -> "a parse hung; rerun with -Dfuzz.seed=" + SEED + " to find the case");
        System.out.printf("SpecParserFuzz cases=%d accepted=%d refused=%d seed=%d ms=%d%n", CASES, outcomes[0], outcomes[1],
                SEED, (System.nanoTime() - t0) / 1_000_000);
        // Both outcomes must be common, or the fuzz is only exercising one path.
        assertThat(outcomes[0]).as("accepted cases").isGreaterThan(CASES / 50);
        assertThat(outcomes[1]).as("refused cases").isGreaterThan(CASES / 5);
    }

    private static void check(int i, String input) {
        SpecParser.Result r;
        long t0 = System.nanoTime();
        try {
            r = SpecParser.parse(FILE, input);
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("case " + i + " (seed " + SEED + ") threw " + e + " on:\n" + input, e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("case %d took %d ms on:%n%s", i, ms, input).isLessThan(2_000);
        long lines = input.lines().count() + 2;
        for (SpecError err : r.errors()) {
            assertThat(err.toString()).as("case %d on:%n%s", i, input).startsWith(FILE + ":");
            assertThat(err.line()).as("line of %s", err).isBetween(1, (int) lines);
            assertThat(err.column()).as("column of %s", err).isGreaterThanOrEqualTo(1);
            assertThat(err.message()).as("message of %s", err).isNotBlank();
        }
        for (SpecParser.Located l : r.specs()) {
            String json = SpecCodec.toJson(l.spec());
            SpecParser.Result back = SpecParser.parse("intent", json);
            assertThat(back.errors()).as("case %d: an accepted spec must parse again from its own JSON:%n%s", i, json).isEmpty();
            assertThat(back.specs().getFirst().spec()).isEqualTo(l.spec());
        }
    }

    static String mutate(String s, Random rnd) {
        if (s.isEmpty()) return TOKENS[rnd.nextInt(TOKENS.length)];
        List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
        int at = rnd.nextInt(s.length());
        int line = rnd.nextInt(lines.size());
        return switch (rnd.nextInt(12)) {
            case 0 -> s.substring(0, at) + randomChar(rnd) + s.substring(at + 1);                 // replace a byte
            case 1 -> s.substring(0, at) + randomChar(rnd) + s.substring(at);                     // insert a byte
            case 2 -> s.substring(0, at) + s.substring(at + 1);                                   // delete a byte
            case 3 -> { lines.remove(line); yield String.join("\n", lines); }                     // delete a line
            case 4 -> { lines.add(line, lines.get(line)); yield String.join("\n", lines); }       // duplicate a line
            case 5 -> {                                                                          // swap two lines
                int other = rnd.nextInt(lines.size());
                String a = lines.get(line);
                lines.set(line, lines.get(other));
                lines.set(other, a);
                yield String.join("\n", lines);
            }
            case 6 -> { lines.set(line, "  " + lines.get(line)); yield String.join("\n", lines); } // indent
            case 7 -> { lines.set(line, lines.get(line).stripLeading()); yield String.join("\n", lines); } // dedent
            case 8 -> s.substring(0, at) + TOKENS[rnd.nextInt(TOKENS.length)] + s.substring(at);  // insert a token
            case 9 -> {                                                                          // replace a value
                String l = lines.get(line);
                int colon = l.indexOf(": ");
                lines.set(line, (colon < 0 ? l : l.substring(0, colon + 2)) + TOKENS[rnd.nextInt(TOKENS.length)]);
                yield String.join("\n", lines);
            }
            case 10 -> s.substring(0, at);                                                        // truncate
            default -> rnd.nextBoolean() ? s + "\n---\n" + s : s + "\n---\n";                     // documents
        };
    }

    private static String randomChar(Random rnd) {
        String pool = ":{}[]-#&*!|>'\",%@`?\t\n \\/.0123456789aZ~";
        return switch (rnd.nextInt(4)) {
            case 0 -> String.valueOf((char) rnd.nextInt(0x20));
            case 1 -> new String(Character.toChars(0x80 + rnd.nextInt(0x2000)));
            default -> String.valueOf(pool.charAt(rnd.nextInt(pool.length())));
        };
    }
}
