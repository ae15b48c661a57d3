package io.facestream.ingest.publish;

import io.facestream.ingest.blob.BlobKind;
import io.facestream.ingest.blob.BlobStore;
import io.facestream.ingest.faces.FaceDetector;
import io.facestream.ingest.source.FrameSampler;
import io.facestream.ingest.source.SampledFrame;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.Point;
import io.facestream.schemas.avro.QualityParts;
import io.facestream.schemas.avro.SourceKind;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * What every sampled frame goes through, from a camera or a replay: detection (at most
 * {@code detectorSlots} at once across all sources, so workers never oversubscribe the
 * cores), the frame kept in the blob store when it has faces (the tracker later picks
 * best and entry frames from there), one face-crop record per face, and a downscaled
 * frame on the frames topic at the live-view rate.
 */
public final class FrameProcessor {
    private static final float FRAME_JPEG_QUALITY = 0.8f;

    /** Where a frame comes from. Crop ids are {@code sourceId:frameNumber:faceIndex}, so replays under one id repeat them. */
    public record Source(String sourceId, SourceKind kind, String cameraId, String fileId) {
    }

    /** Per-source state: the live-view sampler. */
    public final class Stream {
        private final Source source;
        private final FrameSampler liveView;

        private Stream(Source source) {
            this.source = source;
            this.liveView = new FrameSampler(liveViewFps);
        }

        /** @return how many faces the frame had */
        public int process(SampledFrame frame) throws Exception {
            return FrameProcessor.this.process(this, frame);
        }
    }

    private final FaceDetector detector;
    private final Semaphore detectorSlots;
    private final IngestPublisher publisher;
    private final BlobStore blobs;
    private final double liveViewFps;
    private final int liveViewMaxWidth;

    public FrameProcessor(FaceDetector detector, Semaphore detectorSlots, IngestPublisher publisher, BlobStore blobs,
                          double liveViewFps, int liveViewMaxWidth) {
        this.detector = detector;
        this.detectorSlots = detectorSlots;
        this.publisher = publisher;
        this.blobs = blobs;
        this.liveViewFps = liveViewFps;
        this.liveViewMaxWidth = liveViewMaxWidth;
    }

    public Stream stream(Source source) {
        return new Stream(source);
    }

    private int process(Stream stream, SampledFrame frame) throws Exception {
        Source source = stream.source;
        List<FaceDetector.Face> faces;
        detectorSlots.acquire();
        try {
            faces = detector.detect(frame.width(), frame.height(), frame.rgb());
        } finally {
            detectorSlots.release();
        }
        String frameRef = null;
        if (!faces.isEmpty()) {
            byte[] jpeg = Jpeg.encode(frame.width(), frame.height(), frame.rgb(), 0, FRAME_JPEG_QUALITY);
            frameRef = blobs.put(BlobKind.FRAME, source.sourceId() + ":" + frame.frameNumber(), jpeg);
        }
        Instant time = Instant.ofEpochMilli(frame.timestampMillis());
        for (int i = 0; i < faces.size(); i++) publisher.crop(crop(source, frame, i, faces.get(i), frameRef, time));
        if (stream.liveView.keep(frame.mediaTimeMicros())) {
            byte[] view = Jpeg.encode(frame.width(), frame.height(), frame.rgb(), liveViewMaxWidth, FRAME_JPEG_QUALITY);
            int viewWidth = liveViewMaxWidth > 0 ? Math.min(liveViewMaxWidth, frame.width()) : frame.width();
            publisher.frame(Frame.newBuilder().setSourceId(source.sourceId()).setSourceKind(source.kind())
                    .setFrameNumber(frame.frameNumber()).setTimestamp(time)
                    .setMediaTimeMs(source.kind() == SourceKind.FILE ? frame.mediaTimeMicros() / 1000 : null)
                    .setWidth(viewWidth).setHeight(Math.max(1, Math.round((float) frame.height() * viewWidth / frame.width())))
                    .setSourceWidth(frame.width()).setSourceHeight(frame.height())
                    .setJpeg(ByteBuffer.wrap(view)).setFaceCount(faces.size()).build());
        }
        return faces.size();
    }

    private static FaceCrop crop(Source source, SampledFrame frame, int index, FaceDetector.Face face, String frameRef, Instant time) {
        List<Point> landmarks = new ArrayList<>(5);
        for (int p = 0; p < 5; p++) landmarks.add(new Point(face.landmarks()[2 * p], face.landmarks()[2 * p + 1]));
        return FaceCrop.newBuilder()
                .setCropId(source.sourceId() + ":" + frame.frameNumber() + ":" + index)
                .setSourceId(source.sourceId()).setSourceKind(source.kind())
                .setCameraId(source.cameraId()).setFileId(source.fileId())
                .setFrameNumber(frame.frameNumber()).setFaceIndex(index).setTimestamp(time)
                .setFrameWidth(frame.width()).setFrameHeight(frame.height())
                .setBbox(new BoundingBox(face.x(), face.y(), face.width(), face.height()))
                .setLandmarks(landmarks)
                .setDetectionScore(face.score()).setQuality(face.quality())
                .setQualityParts(new QualityParts(face.sizeQuality(), face.sharpness(), face.pose(), face.score()))
                .setCropJpeg(ByteBuffer.wrap(face.cropJpeg())).setFrameRef(frameRef).build();
    }
}
