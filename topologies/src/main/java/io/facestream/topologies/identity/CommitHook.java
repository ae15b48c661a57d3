package io.facestream.topologies.identity;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

import java.util.Map;

/**
 * A store that holds nothing and runs its processor's {@link #beforeCommit} action whenever Kafka Streams flushes the
 * task's stores before a commit (and a task's close, which commits first): what the action waits for is done before
 * the transaction that follows the records that asked for it commits.
 *
 * <p>The hook is Kafka Streams' own, not public, as {@code tracking/CommitTimeStore}'s: every commit calls {@link
 * CachedStateStore#flushCache()} on each store of the task before it flushes the producer and commits the transaction.
 * Its public API has nothing a processor sees before a commit ({@code StateStore.commit} comes after the transaction).
 * {@code PipelineTopologyTest.everyFaceOfAnIdentityIsInTheVectorStoreWhenItsRecordIsCommitted} fails if an upgrade changes
 * that.
 */
final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
    /** The identity resolver's hook. */
    static final String RESOLUTION = "resolution-commit-hook";

    private final String name;
    private volatile boolean open;
    private volatile Runnable beforeCommit = () -> {
    };

    CommitHook(String name) {
        this.name = name;
    }

    /** Runs {@code action} before every commit of the task from now on. */
    void beforeCommit(Runnable action) {
        beforeCommit = action;
    }

    @Override
    public void flushCache() {
        beforeCommit.run();
    }

    @Override
    public void clearCache() {
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {
        }); // nothing to restore: not logged
        open = true;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    static StoreBuilder<CommitHook> builder(String name) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<CommitHook> withCachingEnabled() {
                throw new UnsupportedOperationException("a commit hook holds nothing to cache");
            }

            @Override
            public StoreBuilder<CommitHook> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
                throw new UnsupportedOperationException("a commit hook holds nothing to log");
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingDisabled() {
                return this;
            }

            @Override
            public CommitHook build() {
                return new CommitHook(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
