package spine.model.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import spine.model.DesiredState;
import spine.model.Envelope;
import spine.model.NetworkMode;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Spec;
import spine.model.Tenant;

class SpecParserTest {
    private static final String WORK = """
            apiVersion: spine/v1
            kind: Persona
            metadata:
              name: p://work
            spec:
              image: localhost/spine/busybox:1
              command: ["sleep", "infinity"]
              env: {LANG: C.UTF-8, PORT: 8080}
              state: running
              envelope: small
              autostart: true
            ---
            apiVersion: spine/v1
            kind: Envelope
            metadata:
              name: small
            spec:
              cpu: {max: 0.5, weight: 50}
              memory: {max: 512Mi, swapMax: 0}
              oomScoreAdj: 500
              pidsMax: 256
            ---
            apiVersion: spine/v1
            kind: Tenant
            metadata:
              name: sys://ai
            spec:
              image: localhost/spine/busybox:1
              socket: /run/spine/ai.sock
            """;

    @Test
    void parsesAllThreeKindsWithDefaults() {
        SpecParser.Result r = SpecParser.parse("work.yaml", WORK);
        assertThat(r.errors()).isEmpty();
        assertThat(r.specs()).hasSize(3);
        Persona p = (Persona) r.specs().get(0).spec();
        assertThat(p.id()).isEqualTo(ResourceId.persona("work"));
        assertThat(p.command()).containsExactly("sleep", "infinity");
        assertThat(p.env()).containsEntry("PORT", "8080");
        assertThat(p.network()).isEqualTo(NetworkMode.NONE);
        assertThat(p.state()).isEqualTo(RunState.RUNNING);
        assertThat(r.specs().get(0).mark().line()).isEqualTo(1);
        Envelope e = (Envelope) r.specs().get(1).spec();
        assertThat(e.memoryMax()).contains(512L << 20);
        assertThat(e.swapMax()).contains(0L);
        assertThat(e.noNewPrivileges()).isTrue();
        assertThat(r.specs().get(1).mark().line()).isEqualTo(13);
        Tenant t = (Tenant) r.specs().get(2).spec();
        assertThat(t.state()).isEqualTo(RunState.RUNNING);
        assertThat(SpecBatch.check(r.specs(), DesiredState.empty())).isEmpty();
    }

    @Test
    void unknownFieldNamesFileLineColumnAndSuggests() {
        String yaml = WORK.replace("  image: localhost/spine/busybox:1\n  command", "  imag: localhost/spine/busybox:1\n  command");
        SpecParser.Result r = SpecParser.parse("specs/work.yaml", yaml);
        assertThat(r.errors()).extracting(Object::toString).contains(
                "specs/work.yaml:6:3: unknown field \"imag\" in Persona spec; did you mean \"image\"?");
    }

    @Test
    void personaCannotUseSystemScheme() {
        String yaml = """
                apiVersion: spine/v1
                kind: Persona
                metadata:
                  name: sys://ai
                spec:
                  image: busybox
                """;
        assertThat(SpecParser.parse("specs/work.yaml", yaml).errors()).extracting(Object::toString).containsExactly(
                "specs/work.yaml:4:9: persona name \"sys://ai\" uses the sys:// scheme; personas must be p://<label>, e.g. p://work");
    }

    @Test
    void refusesAliases() {
        String yaml = """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: p://a}
                spec:
                  image: &img busybox
                  command: [*img]
                """;
        SpecParser.Result r = SpecParser.parse("a.yaml", yaml);
        assertThat(r.specs()).isEmpty();
        assertThat(r.errors()).singleElement().asString().startsWith("a.yaml:6:13: YAML alias").contains("not allowed");
    }

    @Test
    void refusesAliasBomb() {
        var sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            sb.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) sb.append(i == 0 ? "" : ",").append('*').append((char) (c - 1));
            sb.append("]\n");
        }
        SpecParser.Result r = SpecParser.parse("bomb.yaml", sb.toString());
        assertThat(r.specs()).isEmpty();
        assertThat(r.errors()).singleElement().asString().contains("YAML alias");
    }

    @Test
    void refusesDocumentsOverOneMebibyte() {
        String big = WORK.split("---")[0] + "  # " + "x".repeat(1 << 20) + "\n";
        SpecParser.Result r = SpecParser.parse("big.yaml", big);
        assertThat(r.specs()).isEmpty();
        assertThat(r.errors()).singleElement().asString().startsWith("big.yaml:1:1: document is").contains("1 MiB");
    }

    @Test
    void tenantsMustUseNetworkNone() {
        String yaml = WORK.split("---\n")[2] + "  network: private\n";
        SpecParser.Result r = SpecParser.parse("t.yaml", yaml);
        assertThat(r.errors()).singleElement().asString().startsWith("t.yaml:8:12: tenants must use network none");
    }

    @Test
    void reportsEveryErrorInOnePass() {
        String yaml = """
                apiVersion: spine/v2
                kind: Persona
                metadata: {name: p://Work}
                spec:
                  image: busybox
                  state: runing
                  autostart: yes please
                """;
        List<String> errors = SpecParser.parse("bad.yaml", yaml).errors().stream().map(Object::toString).toList();
        assertThat(errors).containsExactly(
                "bad.yaml:1:13: apiVersion \"spine/v2\" is not supported; use apiVersion: spine/v1",
                "bad.yaml:3:18: persona name \"p://Work\" has an invalid label; " + ResourceId.LABEL_RULE,
                "bad.yaml:6:10: \"state\" is \"runing\"; did you mean \"running\"?",
                "bad.yaml:7:14: \"autostart\" must be true or false, not a string \"yes please\"");
    }

    @Test
    void duplicateKeysAndYamlSyntaxAreLocated() {
        assertThat(SpecParser.parse("d.yaml", "apiVersion: spine/v1\nkind: Persona\nkind: Tenant\n").errors())
                .extracting(Object::toString).contains("d.yaml:3:1: duplicate key \"kind\" (first at line 2); keep only one");
        assertThat(SpecParser.parse("s.yaml", "apiVersion: spine/v1\nkind: [Persona\n").errors())
                .singleElement().asString().startsWith("s.yaml:").contains("YAML syntax error");
    }

    @Test
    void batchRefusesDuplicateNamesAndMissingEnvelopes() {
        String two = WORK.split("---\n")[0] + "---\n" + WORK.split("---\n")[0];
        SpecParser.Result r = SpecParser.parse("two.yaml", two);
        assertThat(r.errors()).isEmpty();
        assertThat(SpecBatch.check(r.specs(), DesiredState.empty())).extracting(Object::toString).containsExactly(
                "two.yaml:1:1: persona \"p://work\" names envelope \"small\", which is neither stored nor in this apply;"
                        + " add a kind: Envelope document named small or drop the envelope field",
                "two.yaml:13:1: duplicate name persona \"p://work\" (also at two.yaml:1); each name may appear once per apply",
                "two.yaml:13:1: persona \"p://work\" names envelope \"small\", which is neither stored nor in this apply;"
                        + " add a kind: Envelope document named small or drop the envelope field");
    }

    @Test
    void codecRoundTripsThroughTheParser() {
        SpecParser.Result r = SpecParser.parse("work.yaml", WORK);
        for (SpecParser.Located l : r.specs()) {
            String json = SpecCodec.toJson(l.spec());
            SpecParser.Result back = SpecParser.parse("intent", json);
            assertThat(back.errors()).isEmpty();
            Spec again = back.specs().getFirst().spec();
            assertThat(again).isEqualTo(l.spec());
            assertThat(SpecCodec.toJson(again)).isEqualTo(json);
        }
        String yaml = SpecCodec.toYaml(r.specs().stream().map(SpecParser.Located::spec).toList());
        assertThat(SpecParser.parse("out.yaml", yaml).specs()).extracting(SpecParser.Located::spec)
                .containsExactlyElementsOf(r.specs().stream().map(SpecParser.Located::spec).toList());
    }

    /** kubectl's habit: empty and comment-only documents are skipped, so generated YAML ending in "---" applies. */
    @Test
    void skipsEmptyAndCommentOnlyDocuments() {
        String one = WORK.split("---\n")[0];
        assertThat(SpecParser.parse("end.yaml", one + "---\n").errors()).isEmpty();
        assertThat(SpecParser.parse("end.yaml", one + "---\n").specs()).hasSize(1);
        assertThat(SpecParser.parse("end.yaml", one + "---").specs()).hasSize(1);
        String commented = "---\n# generated\n---\n" + one + "---\n# nothing here\n---\n\n---\n";
        SpecParser.Result r = SpecParser.parse("c.yaml", commented);
        assertThat(r.errors()).isEmpty();
        assertThat(r.specs()).hasSize(1);
        assertThat(r.specs().getFirst().mark().line()).isEqualTo(4);
        assertThat(SpecParser.parse("blank.yaml", "").specs()).isEmpty();
        assertThat(SpecParser.parse("blank.yaml", "# just a comment\n").errors()).isEmpty();
    }

    /** Only emptiness is forgiven: a document that is a quoted empty string or a plain word is still an error. */
    @Test
    void nonEmptyNonMappingDocumentsStayErrors() {
        assertThat(SpecParser.parse("q.yaml", "---\n\"\"\n").errors()).extracting(Object::toString)
                .contains("q.yaml:2:1: the document must be a mapping, not a string; write it as key: value lines");
        assertThat(SpecParser.parse("w.yaml", "hello\n").errors()).isNotEmpty();
        assertThat(SpecParser.parse("n.yaml", "---\n~\n").errors()).isEmpty(); // YAML's null is an empty document
    }

    /** Found by the fuzz: YAML's special floats threw NumberFormatException instead of a located error. */
    @Test
    void specialFloatsAreLocatedErrors() {
        for (String v : List.of(".nan", ".inf", "-.Inf", "1e9999999999")) {
            String yaml = WORK.split("---\n")[1].replace("max: 0.5", "max: " + v);
            assertThat(SpecParser.parse("e.yaml", yaml).errors()).extracting(Object::toString)
                    .containsExactly("e.yaml:6:14: \"max\" is " + v + "; it must be a plain number, e.g. max: 0.5");
        }
    }

    @Test
    void restartPolicyDefaultsToAlwaysAndIsSpelledAsPodmanDoes() {
        String one = WORK.split("---\n")[0];
        assertThat(((Persona) SpecParser.parse("w.yaml", one).specs().getFirst().spec()).restart()).isEqualTo(spine.model.RestartPolicy.ALWAYS);
        Persona p = (Persona) SpecParser.parse("w.yaml", one + "  restart: on-failure\n").specs().getFirst().spec();
        assertThat(p.restart()).isEqualTo(spine.model.RestartPolicy.ON_FAILURE);
        assertThat(SpecCodec.toJson(p)).contains("\"restart\":\"on-failure\"");
        assertThat(SpecCodec.toJson(p.withState(RunState.RUNNING))).contains("on-failure");
        assertThat(SpecParser.parse("w.yaml", one + "  restart: on_failure\n").errors()).extracting(Object::toString)
                .singleElement().asString().startsWith("w.yaml:12:12: \"restart\" is \"on_failure\"; did you mean");
    }

    @Test
    void quantities() {
        assertThat(Quantity.parseBytes("512Mi")).hasValue(512L << 20);
        assertThat(Quantity.parseBytes("1G")).hasValue(1_000_000_000L);
        assertThat(Quantity.parseBytes("12")).hasValue(12);
        assertThat(Quantity.parseBytes("1.5Gi")).isEmpty();
        assertThat(Quantity.parseBytes("99999999999999Ti")).isEmpty();
        assertThat(Quantity.format(512L << 20)).isEqualTo("512Mi");
        assertThat(Quantity.format(1000)).isEqualTo("1000");
    }
}
