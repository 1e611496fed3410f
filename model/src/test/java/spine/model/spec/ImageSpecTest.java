package spine.model.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import spine.model.AppImage;
import spine.model.DesiredState;
import spine.model.ResourceId;

class ImageSpecTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static String image(String name, String ref) {
        return """
                apiVersion: spine/v1
                kind: Image
                metadata: {name: %s}
                spec:
                  archive: /persist/images/%s.oci.tar
                  sha256: %s
                  ref: %s
                """.formatted(name, name, SHA, ref);
    }

    @Test
    void anImageParsesAndComesBackTheSameThroughItsStoredForm() {
        var r = SpecParser.parse("notes.yaml", image("notes", "localhost/notes:1"));
        assertThat(r.errors()).isEmpty();
        AppImage i = (AppImage) r.specs().getFirst().spec();
        assertThat(i).isEqualTo(new AppImage(ResourceId.image("notes"), "/persist/images/notes.oci.tar", SHA, "localhost/notes:1"));
        var back = SpecParser.parse("intent:image/notes", SpecCodec.toJson(i));
        assertThat(back.errors()).isEmpty();
        assertThat(back.specs().getFirst().spec()).isEqualTo(i);
        assertThat(i.id().toString()).isEqualTo("notes");
        assertThat(i.id()).isNotEqualTo(ResourceId.envelope("notes")); // an envelope and an image may share a label
    }

    @Test
    void twoImagesGivingOneRefAreRefusedWithTheFileAndLine() {
        var r = SpecParser.parse("apps.yaml", image("notes", "localhost/notes:1") + "---\n" + image("jot", "localhost/notes:1"));
        assertThat(r.errors()).isEmpty();
        assertThat(SpecBatch.check(r.specs(), DesiredState.empty())).singleElement().asString()
                .startsWith("apps.yaml:9:").contains("image \"jot\" names ref localhost/notes:1, which image \"notes\" already provides");
        // against stored intent as well
        var stored = DesiredState.of(java.util.List.of(r.specs().getFirst().spec()));
        var again = SpecParser.parse("jot.yaml", image("jot", "localhost/notes:1"));
        assertThat(SpecBatch.check(again.specs(), stored)).singleElement().asString().startsWith("jot.yaml:1:");
        // the same Image applied again is no conflict
        assertThat(SpecBatch.check(SpecParser.parse("notes.yaml", image("notes", "localhost/notes:1")).specs(), stored)).isEmpty();
    }

    @Test
    void aMissingSpecSaysWhatAnImageNeeds() {
        var r = SpecParser.parse("notes.yaml", "apiVersion: spine/v1\nkind: Image\nmetadata: {name: notes}\n");
        assertThat(r.errors()).singleElement().asString().contains("add spec: with archive:, sha256: and ref:");
        var bad = SpecParser.parse("notes.yaml", image("Notes", "localhost/notes:1"));
        assertThat(bad.errors()).singleElement().asString().startsWith("notes.yaml:3:").contains("invalid label");
    }
}
