package io.facestream.ingest.publish;

import io.facestream.schemas.crop.CropIds;
import io.facestream.blobs.BlobKeys;
import io.facestream.blobs.BlobKind;
import io.facestream.blobs.BlobStore;
import io.facestream.ingest.source.FrameSampler;
import io.facestream.ingest.source.SampledFrame;
import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceQuality;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.Point;
import io.facestream.schemas.avro.QualityParts;
import io.facestream.schemas.avro.SourceKind;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * What every sampled frame goes through, from a camera or a replay: detection (at most
 * {@code detectorSlots} at once across all sources, so workers never oversubscribe the
 * cores), the frame kept in the blob store when it has faces (the tracker later picks
 * best and entry frames from there), one face-crop record per face, then a frame record
 * with the face count, whether a cut separates it from the previous frame ({@link SceneCuts}), and, at the
 * live-view rate, the downscaled JPEG.
 */
public final class FrameProcessor {
    private static final int FRAME_JPEG_QUALITY = 80;
    /** Crops are small and the embedder reads them again: keep them close to lossless. */
    private static final int CROP_JPEG_QUALITY = 95;

    /** Where a frame comes from. Crop ids are {@code sourceId:frameNumber:faceIndex}, so replays under one id repeat them. */
    public record Source(String sourceId, SourceKind kind, String cameraId, String fileId) {
    }

    /** Per-source settings and state: the live-view sampler and the source's own detection limits. */
    public final class Stream {
        private final Source source;
        private final FrameSampler liveView;
        private final double minScore;
        private final int minFaceSize;
        private final boolean detectFaces;
        /** The previous published frame's scene signature ({@link SceneCuts}); publishing is in frame order per source. */
        private byte[] previousScene;

        private Stream(Source source, double liveViewFps, double minScore, int minFaceSize, boolean detectFaces) {
            this.source = source;
            this.liveView = new FrameSampler(liveViewFps);
            this.minScore = minScore;
            this.minFaceSize = minFaceSize;
            this.detectFaces = detectFaces;
        }

        /** @return how many faces the frame had */
        public int process(SampledFrame frame) throws Exception {
            return FrameProcessor.this.process(this, frame);
        }

        /** {@link #process} in two steps: analyses of several frames may run at once, publishing goes in frame order. */
        public Analysis analyze(SampledFrame frame) throws Exception {
            return FrameProcessor.this.analyze(this, frame);
        }

        /** @return how many faces the frame had */
        public int publish(SampledFrame frame, Analysis analysis) {
            return FrameProcessor.this.publish(this, frame, analysis);
        }
    }

    private final FaceAnalyzer analyzer;
    private final Semaphore detectorSlots;
    private final IngestPublisher publisher;
    private final BlobStore blobs;
    private final int liveViewMaxWidth;
    private final AnalysisMetrics metrics = new AnalysisMetrics();

    public FrameProcessor(FaceAnalyzer analyzer, Semaphore detectorSlots, IngestPublisher publisher, BlobStore blobs,
                          int liveViewMaxWidth) {
        this.analyzer = analyzer;
        this.detectorSlots = detectorSlots;
        this.publisher = publisher;
        this.blobs = blobs;
        this.liveViewMaxWidth = liveViewMaxWidth;
    }

    /** Detection's frames, faces and model time so far. */
    public AnalysisMetrics metrics() {
        return metrics;
    }

    /**
     * @param liveViewFps frames per second published on the frames topic
     * @param minScore    faces the detector is less sure of are dropped (a camera's own threshold; 0: the model's)
     * @param minFaceSize faces with a shorter side are dropped, in pixels (0: the model's minimum)
     */
    public Stream stream(Source source, double liveViewFps, double minScore, int minFaceSize) {
        return stream(source, liveViewFps, minScore, minFaceSize, true);
    }

    /** @param detectFaces false: frames are published (live view, time for the tracker) without face detection */
    public Stream stream(Source source, double liveViewFps, double minScore, int minFaceSize, boolean detectFaces) {
        return new Stream(source, liveViewFps, minScore, minFaceSize, detectFaces);
    }

    /**
     * What analysing a frame found: its faces (after the source's limits), where the frame was kept, and its scene
     * signature (null where faces are not detected).
     */
    public record Analysis(List<DetectedFace> faces, String frameRef, byte[] scene) {
    }

    private int process(Stream stream, SampledFrame frame) throws Exception {
        return publish(stream, frame, analyze(stream, frame));
    }

    /** Detection and the blob-store copy of the frame: the costly part, safe to run for several frames at once. */
    Analysis analyze(Stream stream, SampledFrame frame) throws Exception {
        if (!stream.detectFaces) return new Analysis(List.of(), null, null); // live view only: nothing to detect or count
        AnalysisMetrics.SourceCounts counts = metrics.source(stream.source.kind(), stream.source.cameraId());
        counts.read().increment();
        boolean analysed = false;
        try {
            RgbImage image = new RgbImage(frame.width(), frame.height(), frame.rgb());
            List<DetectedFace> faces;
            detectorSlots.acquire();
            long started = System.nanoTime();
            try {
                faces = analyzer.analyze(image);
            } finally {
                detectorSlots.release();
            }
            metrics.models().record(faces.size(), System.nanoTime() - started);
            faces = faces.stream().filter(f -> f.score() >= stream.minScore
                    && Math.min(f.box().width(), f.box().height()) >= stream.minFaceSize).toList();
            String frameRef = null;
            if (!faces.isEmpty()) {
                frameRef = blobs.put(BlobKind.FRAME, BlobKeys.frameId(stream.source.sourceId(), frame.frameNumber()), ImageCodec.encodeJpeg(image, FRAME_JPEG_QUALITY));
            }
            byte[] scene = SceneCuts.signature(image);
            analysed = true;
            return new Analysis(faces, frameRef, scene);
        } finally {
            (analysed ? counts.analysed() : counts.dropped()).increment();
        }
    }

    /** The frame's records, in frame order per source: its crops, then the frame record. */
    int publish(Stream stream, SampledFrame frame, Analysis analysis) {
        Source source = stream.source;
        List<DetectedFace> faces = analysis.faces();
        Instant time = Instant.ofEpochMilli(frame.timestampMillis());
        for (int i = 0; i < faces.size(); i++) publisher.crop(crop(source, frame, i, faces.get(i), analysis.frameRef(), time));
        // Every frame gets a record (after its crops), so the tracker sees time pass and knows how
        // many crops to wait for; the picture goes with it at the live-view rate only.
        int width = liveViewMaxWidth > 0 ? Math.min(liveViewMaxWidth, frame.width()) : frame.width();
        int height = Math.max(1, Math.round((float) frame.height() * width / frame.width()));
        boolean sceneCut = analysis.scene() != null && SceneCuts.isCut(stream.previousScene, analysis.scene());
        if (analysis.scene() != null) stream.previousScene = analysis.scene();
        byte[] liveView = stream.liveView.keep(frame.mediaTimeMicros())
                ? liveViewJpeg(new RgbImage(frame.width(), frame.height(), frame.rgb()), width, height) : null;
        publisher.frame(Frame.newBuilder().setSourceId(source.sourceId()).setSourceKind(source.kind())
                .setFrameNumber(frame.frameNumber()).setTimestamp(time)
                .setMediaTimeMs(source.kind() == SourceKind.FILE ? frame.mediaTimeMicros() / 1000 : null)
                .setWidth(width).setHeight(height).setSourceWidth(frame.width()).setSourceHeight(frame.height())
                .setJpeg(liveView != null ? ByteBuffer.wrap(liveView) : null)
                .setFaceCount(faces.size()).setSceneCut(sceneCut).build());
        return faces.size();
    }

    /** The frame as the live view shows it: scaled down to the live-view width, JPEG. */
    private static byte[] liveViewJpeg(RgbImage image, int width, int height) {
        try (Mat full = ImageCodec.toMat(image); Mat scaled = new Mat()) {
            if (width == image.width()) return ImageCodec.encodeJpeg(full, FRAME_JPEG_QUALITY);
            resize(full, scaled, new Size(width, height), 0, 0, INTER_AREA);
            return ImageCodec.encodeJpeg(scaled, FRAME_JPEG_QUALITY);
        }
    }

    /** The last record of a source that has ended (a replayed file): its tracks can end. */
    public void endOfStream(Stream stream, long lastFrameNumber, long timestampMillis) {
        Source source = stream.source;
        publisher.frame(Frame.newBuilder().setSourceId(source.sourceId()).setSourceKind(source.kind())
                .setFrameNumber(lastFrameNumber + 1).setTimestamp(Instant.ofEpochMilli(timestampMillis))
                .setWidth(0).setHeight(0).setSourceWidth(0).setSourceHeight(0).setEndOfStream(true).build());
    }

    private static FaceCrop crop(Source source, SampledFrame frame, int index, DetectedFace face, String frameRef, Instant time) {
        List<Point> landmarks = new ArrayList<>(5);
        for (var p : face.landmarks()) landmarks.add(new Point(p.x(), p.y()));
        FaceQuality q = face.quality();
        return FaceCrop.newBuilder()
                .setCropId(CropIds.of(source.sourceId(), frame.frameNumber(), index))
                .setSourceId(source.sourceId()).setSourceKind(source.kind())
                .setCameraId(source.cameraId()).setFileId(source.fileId())
                .setFrameNumber(frame.frameNumber()).setFaceIndex(index).setTimestamp(time)
                .setFrameWidth(frame.width()).setFrameHeight(frame.height())
                .setBbox(new BoundingBox(face.box().x1(), face.box().y1(), face.box().width(), face.box().height()))
                .setLandmarks(landmarks)
                .setDetectionScore(face.score()).setQuality((float) q.score())
                .setQualityParts(new QualityParts((float) q.size(), (float) q.sharpness(), (float) q.frontal(), (float) q.detection()))
                .setCropJpeg(ByteBuffer.wrap(face.alignedJpeg(CROP_JPEG_QUALITY))).setFrameRef(frameRef).build();
    }
}
