package spine.model.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import spine.model.ContainerSpec;
import spine.model.Envelope;
import spine.model.Persona;
import spine.model.Volume;

/** A persona's volumes: parsed, refused where they stand, part of the spec hash, and stored as they were written. */
class VolumeSpecTest {
    private static String persona(String volumes) {
        return """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://diary"}
                spec:
                  image: localhost/spine/busybox:1
                  volumes:
                %s""".formatted(volumes.indent(4));
    }

    private static List<String> errors(String volumes) {
        return SpecParser.parse("diary.yaml", persona(volumes)).errors().stream().map(Object::toString).toList();
    }

    @Test
    void aPersonaListsItsVolumes() {
        SpecParser.Result r = SpecParser.parse("diary.yaml", persona("""
                - name: home
                  path: /home/user
                  size: 2Gi
                - {name: music, path: /srv/music, readOnly: true}"""));
        assertThat(r.errors()).isEmpty();
        Persona p = (Persona) r.specs().getFirst().spec();
        assertThat(p.volumes()).containsExactly(new Volume("home", "/home/user", Optional.of(2L << 30), false),
                new Volume("music", "/srv/music", Optional.empty(), true));
        // stored and read back as written: the codec keeps them
        SpecParser.Result again = SpecParser.parse("stored", SpecCodec.toYaml(List.of(p)));
        assertThat(again.errors()).isEmpty();
        assertThat(again.specs().getFirst().spec()).isEqualTo(p);
    }

    @Test
    void badVolumesAreRefusedWithFileAndLine() {
        assertThat(errors("- {name: home, path: home/user}")).singleElement().asString()
                .startsWith("diary.yaml:7:").contains("volume path \"home/user\" must be an absolute path");
        assertThat(errors("- {name: home, path: /home/../etc}")).singleElement().asString().contains("without \".\", \"..\"");
        assertThat(errors("- {name: lock, path: /run/spine-lock}")).singleElement().asString().contains("would hide /run/spine-lock");
        assertThat(errors("- {name: sock, path: /run/spine/x}")).singleElement().asString().contains("would sit inside /run/spine");
        assertThat(errors("- {name: run, path: /run}")).singleElement().asString().contains("would hide /run/spine");
        assertThat(errors("- {name: root, path: /}")).singleElement().asString().contains("would hide");
        assertThat(errors("- {name: wl, path: /run/wayland}")).singleElement().asString().contains("would hide /run/wayland");
        assertThat(errors("- {name: Home, path: /home/user}")).singleElement().asString().contains("is not a label");
        assertThat(errors("- {name: home, path: /a}\n- {name: home, path: /b}")).singleElement().asString()
                .startsWith("diary.yaml:8:").contains("a second volume named \"home\"");
        assertThat(errors("- {name: a, path: /data}\n- {name: b, path: /data}")).singleElement().asString().contains("a second volume at /data");
        assertThat(errors("- {name: home, path: /home/user, size: lots}")).singleElement().asString().contains("not a quantity");
        assertThat(errors("- {name: home, path: /home/user, mode: rw}")).singleElement().asString().contains("unknown field \"mode\"");
        assertThat(errors("- {name: home}")).singleElement().asString().contains("path");
    }

    @Test
    void theVolumesArePartOfTheSpecHashAndNoVolumesKeepTheOldHash() {
        Persona none = (Persona) SpecParser.parse("a.yaml", """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://diary"}
                spec: {image: localhost/spine/busybox:1, state: running}
                """).specs().getFirst().spec();
        Persona one = (Persona) SpecParser.parse("a.yaml", persona("- {name: home, path: /home/user}")).specs().getFirst().spec();
        Persona other = (Persona) SpecParser.parse("a.yaml", persona("- {name: home, path: /home/me}")).specs().getFirst().spec();
        String base = ContainerSpec.of(none, Envelope.unlimited()).specHash();
        assertThat(ContainerSpec.of(one, Envelope.unlimited()).specHash()).isNotEqualTo(base)
                .isNotEqualTo(ContainerSpec.of(other, Envelope.unlimited()).specHash());
        // a persona without volumes hashes as it did before volumes existed (recorded from 84a501b): no recreate on upgrade
        assertThat(base).isEqualTo("7cff68d678604808");
    }
}
