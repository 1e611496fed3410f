package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ResourceIdTest {
    @Test
    void mapsSemanticNamesToContainerNames() {
        assertThat(ResourceId.parse(Kind.PERSONA, "p://work").orThrow().containerName()).isEqualTo("p__work");
        assertThat(ResourceId.parse(Kind.TENANT, "sys://ai").orThrow().containerName()).isEqualTo("sys__ai");
        assertThat(ResourceId.fromContainerName("p__work")).contains(ResourceId.persona("work"));
        assertThat(ResourceId.fromContainerName("sys__ai")).contains(ResourceId.tenant("ai"));
    }

    @Test
    void mappingIsABijectionOverManyLabels() {
        Random rnd = new Random(42);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-";
        Set<String> containerNames = new HashSet<>();
        Set<ResourceId> ids = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            var sb = new StringBuilder().append((char) ('a' + rnd.nextInt(26)));
            int len = rnd.nextInt(31);
            for (int j = 0; j < len; j++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String label = sb.toString();
            if (!ResourceId.isLabel(label)) continue;
            for (Kind k : new Kind[] {Kind.PERSONA, Kind.TENANT}) {
                ResourceId id = new ResourceId(k, label);
                String cn = id.containerName();
                assertThat(ResourceId.fromContainerName(cn)).contains(id);
                assertThat(ResourceId.fromUri(id.toString())).contains(id);
                assertThat(ResourceId.parse(k, id.toString()).orThrow()).isEqualTo(id);
                assertThat(ids.add(id)).isEqualTo(containerNames.add(cn));
            }
        }
        assertThat(ids).hasSizeGreaterThan(10_000).hasSameSizeAs(containerNames);
    }

    @Test
    void personaCanNeverTakeASystemName() {
        assertThat(ResourceId.parse(Kind.PERSONA, "sys://ai").error())
                .isEqualTo("persona name \"sys://ai\" uses the sys:// scheme; personas must be p://<label>, e.g. p://work");
        assertThat(ResourceId.parse(Kind.TENANT, "p://work").error()).contains("uses the p:// scheme");
        assertThat(ResourceId.parse(Kind.PERSONA, "p://sys__ai").ok()).isFalse();
        assertThat(ResourceId.parse(Kind.PERSONA, "p://sys://ai").ok()).isFalse();
        assertThat(ResourceId.parse(Kind.PERSONA, "work").error()).contains("lacks the p:// scheme");
        // The only container names that map back are the two grammars; nothing else is Spine's.
        assertThat(ResourceId.fromContainerName("p__sys__ai")).isEmpty();
        assertThat(ResourceId.fromContainerName("sys__p__work")).isEmpty();
        assertThat(ResourceId.fromContainerName("p_work")).isEmpty();
        assertThat(ResourceId.fromContainerName("foreign")).isEmpty();
    }

    @Test
    void labelGrammarIsEnforced() {
        assertThat(ResourceId.isLabel("a")).isTrue();
        assertThat(ResourceId.isLabel("work-2")).isTrue();
        assertThat(ResourceId.isLabel("a" + "b".repeat(30))).isTrue();
        assertThat(ResourceId.isLabel("a" + "b".repeat(31))).isFalse();
        assertThat(ResourceId.isLabel("work-")).isFalse();
        assertThat(ResourceId.isLabel("1work")).isFalse();
        assertThat(ResourceId.isLabel("Work")).isFalse();
        assertThat(ResourceId.isLabel("wo_rk")).isFalse();
        assertThat(ResourceId.isLabel("")).isFalse();
    }

    @Test
    void tenantsSortBeforePersonas() {
        var ids = new java.util.TreeSet<ResourceId>();
        ids.add(ResourceId.persona("a"));
        ids.add(ResourceId.tenant("z"));
        assertThat(ids.first()).isEqualTo(ResourceId.tenant("z"));
    }
}
