package io.facestream.topologies.tracking;

import io.facestream.topologies.tracking.Tracker.Detection;
import io.facestream.topologies.tracking.Tracker.EventType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TrackerTest {
    private static final long T0 = 1_000_000;

    private static Detection det(int frame, int face, double x, double y, double size, double score, double quality) {
        return new Detection("cam:" + frame + ":" + face, frame, T0 + frame * 100L, new Box(x, y, size, size), score, quality, null);
    }

    /** Feeds frames at 10 fps and collects everything. */
    private static List<Tracker.Output> feed(Tracker tracker, List<List<Detection>> frames) {
        List<Tracker.Output> outputs = new ArrayList<>();
        for (int f = 0; f < frames.size(); f++) outputs.add(tracker.onFrame(T0 + f * 100L, frames.get(f)));
        return outputs;
    }

    private static List<Tracker.Event> events(List<Tracker.Output> outputs, EventType type) {
        return outputs.stream().flatMap(o -> o.events().stream()).filter(e -> e.type() == type).toList();
    }

    @Test
    void oneSteadyFaceIsOneTrackWithPacedUpdatesAndAnEnd() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 30; f++) frames.add(List.of(det(f, 0, 100 + 5 * f, 100, 80, 0.95, 0.6)));
        List<Tracker.Output> out = feed(tracker, frames);
        assertThat(events(out, EventType.STARTED)).hasSize(1);
        assertThat(events(out, EventType.STARTED).getFirst().track().id()).isEqualTo("cam:t0.0");
        assertThat(events(out, EventType.UPDATED)).hasSize(2); // at 1.0 s and 2.0 s of a 2.9 s track
        assertThat(events(out, EventType.ENDED)).isEmpty();

        assertThat(tracker.advanceTo(T0 + 2900 + 2000).events()).isEmpty();
        Tracker.Output end = tracker.advanceTo(T0 + 2900 + 2001);
        assertThat(end.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.ENDED);
            assertThat(e.track().faces()).isEqualTo(30);
            assertThat(e.track().lastFrame()).isEqualTo(29);
        });
        assertThat(tracker.liveTracks()).isEmpty();
    }

    @Test
    void lowScoreDetectionsKeepATrackAliveButStartNone() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 15; f++) {
            double score = f >= 5 && f < 10 ? 0.5 : 0.95; // a blurred stretch in the middle
            frames.add(List.of(det(f, 0, 100 + 2 * f, 100, 80, score, 0.6), det(f, 1, 400, 300, 60, 0.5, 0.2)));
        }
        List<Tracker.Output> out = feed(tracker, frames);
        assertThat(events(out, EventType.STARTED)).as("one track; the lone low-score face starts none").hasSize(1);
        assertThat(tracker.liveTracks()).singleElement().satisfies(t -> assertThat(t.faces()).isEqualTo(15));
    }

    @Test
    void motionPredictionFollowsAFastFace() {
        // 40 px per frame with an 80 px face: consecutive boxes overlap with IoU 0.33, then the face speeds
        // up to 60 px per frame (IoU 0.14 frame to frame): only the predicted box still matches.
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        double x = 0;
        for (int f = 0; f < 20; f++) {
            frames.add(List.of(det(f, 0, x, 200, 80, 0.95, 0.6)));
            x += f < 8 ? 40 : 60;
        }
        List<Tracker.Output> out = feed(tracker, frames);
        assertThat(events(out, EventType.STARTED)).hasSize(1);
        assertThat(new Box(0, 0, 80, 80).iou(new Box(60, 0, 80, 80))).isLessThan(TrackerSettings.defaults().matchIou());
    }

    @Test
    void twoFacesAreTwoTracks() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 10; f++) frames.add(List.of(det(f, 0, 100 + 3 * f, 100, 80, 0.9, 0.6), det(f, 1, 500 - 3 * f, 120, 70, 0.9, 0.6)));
        List<Tracker.Output> out = feed(tracker, frames);
        assertThat(events(out, EventType.STARTED)).extracting(e -> e.track().id()).containsExactly("cam:t0.0", "cam:t0.1");
        assertThat(tracker.liveTracks()).allSatisfy(t -> assertThat(t.faces()).isEqualTo(10));
    }

    @Test
    void embedsTheFirstUsableFaceThenOnlyClearlyBetterOnesAFewPerSecond() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        double[] quality = {0.1, 0.4, 0.42, 0.5, 0.6, 0.7, 0.8, 0.5, 0.9, 0.95};
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < quality.length; f++) frames.add(List.of(det(f, 0, 100, 100, 80, 0.95, quality[f])));
        List<String> chosen = feed(tracker, frames).stream().flatMap(o -> o.toEmbed().stream()).map(Tracker.Choice::cropId).toList();
        // 0.1 is soft, but the track's best so far (its faces might all be soft); 0.4 is the first usable one
        // (embedded at once); 0.42 is not better by the margin; 0.5 is; after that the two usable embeds of the
        // trailing second cap every later frame.
        assertThat(chosen).containsExactly("cam:0:0", "cam:1:0", "cam:3:0");
        assertThat(tracker.liveTracks().getFirst().bestCropId()).isEqualTo("cam:9:0");

        // Once those two have aged past a second, a clearly better face is embedded again.
        Tracker.Output later = tracker.onFrame(T0 + 1500, List.of(new Detection("cam:15:0", 15, T0 + 1500, new Box(100, 100, 80, 80), 0.95, 0.99, null)));
        assertThat(later.toEmbed()).extracting(Tracker.Choice::cropId).containsExactly("cam:15:0");
    }

    @Test
    void theEndOfASourceEndsEveryLiveTrack() {
        Tracker tracker = new Tracker("file", TrackerSettings.defaults());
        tracker.onFrame(T0, List.of(det(0, 0, 100, 100, 80, 0.9, 0.6), det(0, 1, 400, 100, 80, 0.9, 0.6)));
        Tracker.Output end = tracker.endAll();
        assertThat(end.events()).extracting(Tracker.Event::type).containsExactly(EventType.ENDED, EventType.ENDED);
        assertThat(end.events()).allSatisfy(e -> assertThat(e.timestamp()).isEqualTo(T0));
        assertThat(tracker.liveTracks()).isEmpty();
    }

    @Test
    void aSceneCutEndsEveryLiveTrackBeforeItsFacesAreAssociated() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        for (int f = 0; f < 5; f++) tracker.onFrame(T0 + f * 100L, List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        Tracker.Output cut = tracker.onFrame(T0 + 500, List.of(det(5, 0, 100, 100, 80, 0.95, 0.6)), true, Map.of());
        assertThat(cut.events()).extracting(Tracker.Event::type).containsExactly(EventType.ENDED, EventType.STARTED);
        assertThat(cut.events().get(0).track().lastFrame()).isEqualTo(4);
        assertThat(cut.events().get(1).track().id()).isEqualTo("cam:t5.0");
        assertThat(cut.toEmbed()).as("the new track's first face at once").extracting(Tracker.Choice::cropId).containsExactly("cam:5:0");
    }

    @Test
    void aSplitEndsTheTrackBeforeTheOtherPersonsFirstFaceAndStartsTheirsThere() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        for (int f = 0; f < 20; f++) tracker.onFrame(T0 + f * 100L, List.of(det(f, 0, 100, 100, 80, 0.95, f < 12 ? 0.6 : 0.9)));
        // the embedding stage found frame 12's face to be someone else's (the better faces from 12 on are theirs)
        Tracker.Output out = tracker.onFrame(T0 + 2000, List.of(det(20, 0, 100, 100, 80, 0.95, 0.6)), false, Map.of("cam:t0.0", 12L));
        assertThat(out.events()).extracting(Tracker.Event::type).containsExactly(EventType.ENDED, EventType.STARTED);
        Tracker.Track ended = out.events().get(0).track();
        assertThat(ended.lastFrame()).isEqualTo(11);
        assertThat(ended.lastSeen()).isEqualTo(T0 + 1100);
        assertThat(ended.faces()).isEqualTo(12);
        assertThat(ended.bestQuality()).as("its best face is its own").isEqualTo(0.6);
        assertThat(ended.embedded()).noneMatch(id -> Integer.parseInt(id.split(":")[1]) >= 12);
        Tracker.Track other = out.events().get(1).track();
        assertThat(other.id()).isEqualTo("cam:t12.0");
        assertThat(other.firstFrame()).isEqualTo(12);
        assertThat(other.faces()).as("frames 12-19, then this frame's face").isEqualTo(9);
        assertThat(out.toEmbed()).extracting(Tracker.Choice::trackId).containsExactly("cam:t12.0");
        assertThat(tracker.liveTracks()).extracting(Tracker.Track::id).containsExactly("cam:t12.0");
    }

    @Test
    void aSplitFoundAtASceneCutFallsBeforeTheCutEndsTheTracks() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        for (int f = 0; f < 20; f++) tracker.onFrame(T0 + f * 100L, List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        Tracker.Output cut = tracker.onFrame(T0 + 2000, List.of(det(20, 0, 100, 100, 80, 0.95, 0.6)), true, Map.of("cam:t0.0", 12L));
        assertThat(cut.events()).extracting(Tracker.Event::type).containsExactly(EventType.ENDED, EventType.STARTED, EventType.ENDED,
                EventType.STARTED);
        assertThat(cut.events()).extracting(e -> e.track().firstFrame() + "-" + e.track().lastFrame())
                .containsExactly("0-11", "12-19", "12-19", "20-20");
    }

    /** The frames at which a tracker fed one steady face asks for its chosen faces to be checked (and has them checked). */
    private static List<Integer> checksAsked(Tracker tracker, int frames, int gapAt) {
        List<Integer> asked = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            if (f >= gapAt && f < gapAt + 30) continue; // 3 s without the face: past the gap
            if (tracker.awaitsChecks(f, T0 + f * 100L, false)) {
                asked.add(f);
                tracker.checked();
            }
            tracker.onFrame(T0 + f * 100L, List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        }
        return asked;
    }

    @Test
    void chosenFacesAreCheckedBeforeHalfTheRememberedPastGoesByOrTheirTrackEnds() {
        TrackerSettings settings = TrackerSettings.defaults();
        assertThat(settings.historyMillis()).isEqualTo(5000);
        // chosen: frame 0, then a recheck each second; each check is due 2.5 s after the oldest face it waits for
        assertThat(checksAsked(new Tracker("cam", settings), 80, 1000)).containsExactly(25, 55);
        // frame 30's face, chosen after the check at 25, is checked before the gap ends its track (frame 65, 3 s after 34)
        assertThat(checksAsked(new Tracker("cam", settings), 67, 35)).containsExactly(25, 65);
        Tracker idle = new Tracker("cam", settings);
        assertThat(idle.awaitsChecks(0, T0, true)).as("nothing chosen, nothing to wait for").isFalse();
        idle.onFrame(T0, List.of(det(0, 0, 100, 100, 80, 0.95, 0.6)));
        assertThat(idle.awaitsChecks(1, T0 + 100, false)).isFalse();
        assertThat(idle.awaitsChecks(1, T0 + 100, true)).as("a scene cut or the end of the source ends the track").isTrue();
        assertThat(Tracker.restore("cam", settings, idle.snapshot()).awaitsChecks(1, T0 + 100, false))
                .as("a restored tracker cannot know what is still out").isTrue();
    }

    @Test
    void aSteadyTracksFaceIsEmbeddedAgainLessAndLessOftenEvenWhenNoBetter() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 160; f++) frames.add(List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        List<String> chosen = feed(tracker, frames).stream().flatMap(o -> o.toEmbed().stream()).map(Tracker.Choice::cropId).toList();
        // rechecks after 1 s, then 2 s, then the longest interval (4 s) from then on
        assertThat(chosen).containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0", "cam:110:0", "cam:150:0");
    }

    /** The crops chosen for a steady face at (100, 100) with a cue at frame 75, after its interval had grown to 4 s at 70. */
    private static List<String> chosenWithACueAt75(List<Detection> cueFrame, boolean faceMissingAt74) {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 100; f++) {
            if (f == 75) frames.add(cueFrame);
            else if (f == 74 && faceMissingAt74) frames.add(List.of());
            else frames.add(List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        }
        return feed(tracker, frames).stream().flatMap(o -> o.toEmbed().stream())
                .filter(c -> c.trackId().equals("cam:t0.0")).map(Tracker.Choice::cropId).toList();
    }

    @Test
    void aCueOfASwapBringsTheRecheckIntervalBackToTheShortest() {
        List<Detection> steady = List.of(det(75, 0, 100, 100, 80, 0.95, 0.6));
        assertThat(chosenWithACueAt75(steady, false)).as("no cue: the next recheck 4 s after frame 70")
                .containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0");
        // the interval is 1 s again from the cue on: the recheck after frame 70 comes at 80, then 2 s later
        assertThat(chosenWithACueAt75(steady, true)).as("the face back after a frame without it")
                .containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0", "cam:80:0");
        assertThat(chosenWithACueAt75(List.of(det(75, 0, 130, 100, 80, 0.95, 0.6)), false)).as("its box jumped")
                .containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0", "cam:80:0");
        assertThat(chosenWithACueAt75(List.of(det(75, 0, 100, 100, 80, 0.95, 0.6), det(75, 1, 200, 100, 80, 0.95, 0.6)), false))
                .as("another track came near (and stays live, unseen, until its gap ends it at frame 96: every second while it does)")
                .containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0", "cam:80:0", "cam:90:0");
        assertThat(chosenWithACueAt75(List.of(det(75, 0, 100, 100, 80, 0.95, 0.6), det(75, 1, 400, 100, 80, 0.95, 0.6)), false))
                .as("another track far away is no cue").containsExactly("cam:0:0", "cam:10:0", "cam:30:0", "cam:70:0");
    }

    @Test
    void aSampledSourceSkippingFrameNumbersGivesNoCue() {
        // a 30 fps file analysed at 10 fps: the frames tracked are numbered 0, 3, 6, ... 100 ms apart
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<String> chosen = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            boolean missing = k == 74;
            List<Detection> frame = missing ? List.of() : List.of(new Detection("cam:" + 3 * k + ":0", 3L * k, T0 + k * 100L,
                    new Box(100, 100, 80, 80), 0.95, 0.6, null));
            tracker.onFrame(T0 + k * 100L, frame).toEmbed().forEach(c -> chosen.add(c.cropId()));
        }
        // as a source numbered 0, 1, 2, ...: rechecks after 1, 2 and 4 s, then the face back after the frame without it
        // (the 75th tracked) brings the interval back to 1 s
        assertThat(chosen).containsExactly("cam:0:0", "cam:30:0", "cam:90:0", "cam:210:0", "cam:240:0");
    }

    @Test
    void theRecheckIntervalSurvivesARestore() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 40; f++) frames.add(List.of(det(f, 0, 100, 100, 80, 0.95, 0.6)));
        feed(tracker, frames);
        Tracker restored = Tracker.restore("cam", TrackerSettings.defaults(), tracker.snapshot());
        List<String> chosen = new ArrayList<>();
        for (int f = 40; f < 75; f++) {
            restored.onFrame(T0 + f * 100L, List.of(det(f, 0, 100, 100, 80, 0.95, 0.6))).toEmbed().forEach(c -> chosen.add(c.cropId()));
        }
        assertThat(chosen).as("4 s after frame 30, as before the restore").containsExactly("cam:70:0");
    }

    @Test
    void aTrackOfSoftFacesHasItsBestOnesEmbeddedAFewPerTrack() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        // small, blurred faces only (quality under the usable 0.3), slowly getting better, for 5 s
        double[] quality = {0.10, 0.08, 0.12, 0.16, 0.15, 0.20, 0.19, 0.25, 0.26, 0.27};
        List<List<Detection>> frames = new ArrayList<>();
        for (int f = 0; f < 50; f++) frames.add(List.of(det(f, 0, 100 + f, 100, 30, 0.9, quality[f % 10] + (f / 10) * 0.001)));
        List<String> chosen = feed(tracker, frames).stream().flatMap(o -> o.toEmbed().stream()).map(Tracker.Choice::cropId).toList();
        // the first face, then the track's best so far when better by the margin (0.16, 0.25), three in all
        assertThat(chosen).containsExactly("cam:0:0", "cam:3:0", "cam:7:0");
    }
}
