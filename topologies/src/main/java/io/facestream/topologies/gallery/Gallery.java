package io.facestream.topologies.gallery;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.WatchlistStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The known people and POIs with their reference embeddings, in memory for matching at the speed alerts
 * need, and the top-k matching against them that alerts, identity resolution, search and live identification
 * share. Fed from the people topic by {@link GalleryUpdater} on the global thread and read by every stream
 * thread, so it swaps an immutable map on each change (enrolments are rare, matches constant). Read-only
 * outside this package: only the people topic changes it.
 */
public final class Gallery {

    /** A person and how similar a face (or a track) is to them. */
    public record Match(Person person, double similarity) {
        public boolean isPoi() {
            return Gallery.isPoi(person);
        }
    }

    /** A face of a track, for weighing. */
    public record WeightedFace(float[] embedding, double quality) {
    }

    private record Entry(Person person, float[][] embeddings, float[][] rejected) {
    }

    private volatile Map<String, Entry> people = Map.of();

    public static boolean isPoi(Person person) {
        return person.getWatchlist() != null && person.getWatchlist().getStatus() == WatchlistStatus.ACTIVE;
    }

    synchronized void put(Person person) {
        Map<String, Entry> next = new HashMap<>(people);
        List<ReferenceFace> faces = person.getFaces();
        float[][] embeddings = new float[faces.size()][];
        for (int i = 0; i < faces.size(); i++) embeddings[i] = Embeddings.toArray(faces.get(i).getEmbedding());
        float[][] rejected = Matching.rejected(person).stream().map(f -> Embeddings.toArray(f.getEmbedding())).toArray(float[][]::new);
        next.put(person.getPersonId(), new Entry(person, embeddings, rejected));
        people = Map.copyOf(next);
    }

    synchronized void remove(String personId) {
        Map<String, Entry> next = new HashMap<>(people);
        next.remove(personId);
        people = Map.copyOf(next);
    }

    public Optional<Person> person(String personId) {
        return Optional.ofNullable(people.get(personId)).map(Entry::person);
    }

    public int size() {
        return people.size();
    }

    /** Everyone in the gallery now (a snapshot), already decoded: cheaper than scanning the people view. */
    public List<Person> people() {
        return people.values().stream().map(Entry::person).toList();
    }

    /** The person (only POIs when {@code poisOnly}) whose closest reference face is closest to {@code embedding}. */
    public Optional<Match> best(float[] embedding, boolean poisOnly) {
        Match best = null;
        for (Entry e : people.values()) {
            if (poisOnly && !isPoi(e.person())) continue;
            double s = closest(e, embedding);
            if (best == null || s > best.similarity()) best = new Match(e.person(), s);
        }
        return Optional.ofNullable(best);
    }

    /** Every person with the similarity of their closest reference face to {@code embedding}, most similar first. */
    public List<Match> ranked(float[] embedding) {
        return matching(embedding, p -> true, Double.NEGATIVE_INFINITY);
    }

    /** Every POI whose closest reference face is at least {@code threshold} similar, most similar first. */
    public List<Match> poisAtLeast(float[] embedding, double threshold) {
        return matching(embedding, Gallery::isPoi, threshold);
    }

    private List<Match> matching(float[] embedding, java.util.function.Predicate<Person> who, double threshold) {
        List<Match> out = new java.util.ArrayList<>();
        for (Entry e : people.values()) {
            if (!who.test(e.person())) continue;
            double s = closest(e, embedding);
            if (s >= threshold) out.add(new Match(e.person(), s));
        }
        out.sort(java.util.Comparator.comparingDouble(Match::similarity).reversed());
        return out;
    }

    /**
     * The person most similar to a whole track: each face's similarity to the person's closest reference
     * face, averaged with the faces' qualities as weights, so one blurred frame cannot decide alone.
     */
    public Optional<Match> bestForTrack(List<WeightedFace> faces) {
        if (faces.isEmpty()) return Optional.empty();
        Match best = null;
        for (Entry e : people.values()) {
            double sum = 0, weights = 0;
            for (WeightedFace f : faces) {
                double w = Math.max(f.quality(), 1e-3);
                sum += w * closest(e, f.embedding());
                weights += w;
            }
            double s = sum / weights;
            if (best == null || s > best.similarity()) best = new Match(e.person(), s);
        }
        return Optional.ofNullable(best);
    }

    /** The closest reference face's similarity; {@link Matching#NO_MATCH} when a face the person rejected vetoes it. */
    private static double closest(Entry e, float[] embedding) {
        double best = Matching.NO_MATCH;
        for (float[] ref : e.embeddings()) best = Math.max(best, Embeddings.similarity(ref, embedding));
        double rejected = Matching.NO_MATCH;
        for (float[] ref : e.rejected()) rejected = Math.max(rejected, Embeddings.similarity(ref, embedding));
        return Matching.vetoed(best, rejected) ? Matching.NO_MATCH : best;
    }

    /** The similarity of {@code embedding} to a person's closest reference face; empty for someone not in the gallery. */
    public OptionalDouble similarityTo(String personId, float[] embedding) {
        Entry e = people.get(personId);
        return e == null ? OptionalDouble.empty() : OptionalDouble.of(closest(e, embedding));
    }
}
