package io.facestream.vectors;

/** An operation named a collection that {@link VectorStore#ensureCollection} never created. */
public class UnknownCollectionException extends IllegalArgumentException {

    public UnknownCollectionException(String collection) {
        super("unknown vector collection '" + collection + "': create it with ensureCollection first");
    }
}
