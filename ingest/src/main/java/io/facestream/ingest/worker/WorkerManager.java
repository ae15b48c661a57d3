package io.facestream.ingest.worker;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.topics.AssignedConsumers;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Follows the compacted cameras topic and keeps one running worker per enabled camera:
 * starts it when a camera is created or enabled, stops it when disabled or deleted
 * (tombstone), restarts it when its URL or any tuning field changes. Reads the topic
 * from the beginning without a consumer group, so every ingest process sees every
 * camera; which cameras a process runs is up to the factory (it may return null).
 */
public final class WorkerManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerManager.class);

    private final Consumer<String, Camera> consumer;
    private final String topic;
    private final Function<Camera, CameraWorker> workerFactory;
    private final Map<String, Running> workers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    private record Running(Camera camera, CameraWorker worker) {
    }

    /**
     * @param consumer      a consumer (no group needed); the manager owns and closes it
     * @param topic         the cameras topic ({@link Topics#CAMERAS}), one partition
     * @param workerFactory makes and starts a worker for a camera, or returns null to leave it to another process
     */
    public WorkerManager(Consumer<String, Camera> consumer, String topic, Function<Camera, CameraWorker> workerFactory) {
        this.consumer = consumer;
        this.topic = topic;
        this.workerFactory = workerFactory;
        this.thread = Thread.ofPlatform().name("worker-manager").daemon().unstarted(this::run);
    }

    public WorkerManager start() {
        thread.start();
        return this;
    }

    /** The cameras with a running worker, and their current status. */
    public Map<String, WorkerStatus> statuses() {
        return workers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().worker().status()));
    }

    private void run() {
        TopicPartition partition = new TopicPartition(topic, 0);
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            while (running) {
                // Later records of a camera supersede earlier ones within a batch too.
                Map<String, Camera> latest = new HashMap<>();
                for (ConsumerRecord<String, Camera> r : consumer.poll(AssignedConsumers.POLL)) latest.put(r.key(), r.value());
                latest.forEach(this::apply);
            }
        } catch (WakeupException e) {
            if (running) throw e;
        } catch (RuntimeException e) {
            log.error("worker manager stopped following {}: {}", topic, e.toString(), e);
        } finally {
            consumer.close(CloseOptions.timeout(AssignedConsumers.CLOSE_TIMEOUT));
        }
    }

    private void apply(String cameraId, Camera camera) {
        Running current = workers.get(cameraId);
        boolean wanted = camera != null && camera.getEnabled();
        if (current != null && (!wanted || !sameWorkerSettings(current.camera(), camera))) {
            log.info("stopping worker of camera {} ({})", cameraId, camera == null ? "deleted" : !wanted ? "disabled" : "settings changed");
            workers.remove(cameraId).worker().close();
            current = null;
        }
        if (wanted && current == null) {
            CameraWorker worker = workerFactory.apply(camera);
            if (worker != null) {
                workers.put(cameraId, new Running(camera, worker));
                log.info("started worker of camera {}", cameraId);
            }
        }
    }

    /** Everything a worker reads from its camera, i.e. all but name, location and times. */
    static boolean sameWorkerSettings(Camera a, Camera b) {
        return Objects.equals(a.getUrl(), b.getUrl())
                && Objects.equals(a.getRtspTransport(), b.getRtspTransport())
                && a.getSampleFps() == b.getSampleFps()
                && a.getLiveViewFps() == b.getLiveViewFps()
                && a.getMaxWidth() == b.getMaxWidth()
                && a.getMaxHeight() == b.getMaxHeight()
                && a.getMinFaceSize() == b.getMinFaceSize()
                && a.getDetectionThreshold() == b.getDetectionThreshold()
                && a.getRecordPresence() == b.getRecordPresence()
                && a.getFacesEnabled() == b.getFacesEnabled()
                // the event recorder reads them from the camera its worker was started with
                && a.getPreSeconds() == b.getPreSeconds()
                && a.getPostSeconds() == b.getPostSeconds();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.values().forEach(r -> r.worker().close());
        workers.clear();
    }
}
