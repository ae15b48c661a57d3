package io.facestream.blobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The one retention rule of every store: expired blobs per kind, then the oldest until the size cap holds. */
final class Sweep {

    /** A stored blob as a store lists it. */
    record Entry(String key, BlobKind kind, long size, long modifiedMillis) {
    }

    /** What to remove, and the bytes left once it is gone. */
    record Plan(List<Entry> remove, long remainingBytes) {
        long removedBytes() {
            return remove.stream().mapToLong(Entry::size).sum();
        }
    }

    static Plan plan(List<Entry> entries, BlobStore.Policy policy, long nowMillis) {
        List<Entry> remove = new ArrayList<>();
        List<Entry> kept = new ArrayList<>();
        long total = 0;
        for (Entry e : entries) {
            var keep = policy.retention().get(e.kind());
            if (keep != null && nowMillis - e.modifiedMillis() > keep.toMillis()) {
                remove.add(e);
            } else {
                kept.add(e);
                total += e.size();
            }
        }
        if (policy.maxBytes() > 0 && total > policy.maxBytes()) {
            kept.sort(Comparator.comparingLong(Entry::modifiedMillis));
            for (Entry e : kept) {
                if (total <= policy.maxBytes()) break;
                remove.add(e);
                total -= e.size();
            }
        }
        return new Plan(remove, total);
    }

    private Sweep() {
    }
}
