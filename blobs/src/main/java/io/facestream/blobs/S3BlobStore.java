package io.facestream.blobs;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Blobs as objects of an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage, S3Proxy...), under
 * {@code [prefix/]kind/id}: the store for deployments whose processes share no file system. A PUT replaces an
 * object whole, so readers never see part of one. The bucket must exist (the store never creates one, so its
 * credentials need no more than {@code s3:GetObject}, {@code s3:PutObject}, {@code s3:DeleteObject} on the
 * prefix and {@code s3:ListBucket} on the bucket); opening the store checks that it answers. Every call is
 * bounded: a timeout per attempt and a number of attempts, and objects over the policy's size are neither
 * written nor read. Retention is applied by {@link #sweep} as in the directory store (a bucket lifecycle rule
 * can do the same server-side).
 */
public final class S3BlobStore implements BlobStore {

    /**
     * @param endpoint    the S3 API's URL; null for AWS's own endpoint of the region
     * @param region      the signing region (S3-compatible servers accept any; {@code us-east-1} is customary)
     * @param bucket      an existing bucket
     * @param prefix      keys are stored under {@code prefix/} when not empty (one bucket, several deployments)
     * @param accessKey   with {@code secretKey}, static credentials; empty: the SDK's default chain (environment,
     *                    profile, container or instance role)
     * @param pathStyle   {@code bucket} in the path rather than the host name (what most S3-compatible servers need)
     * @param timeout     the longest one attempt of one call may take, connecting included
     * @param maxAttempts attempts per call, retries with the SDK's standard backoff included (1: no retry)
     */
    public record Settings(URI endpoint, String region, String bucket, String prefix, String accessKey, String secretKey,
                           boolean pathStyle, Duration timeout, int maxAttempts) {
        public Settings {
            if (bucket == null || bucket.isBlank()) throw new IllegalArgumentException("the S3 blob store needs a bucket");
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts is at least 1");
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
            prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
            if ((accessKey == null || accessKey.isEmpty()) != (secretKey == null || secretKey.isEmpty()))
                throw new IllegalArgumentException("an S3 access key and secret key go together");
        }

        /** Where the store is, for messages (never the credentials). */
        String describe() {
            return "S3 bucket " + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + " at " + (endpoint != null ? endpoint : "AWS " + region);
        }
    }

    private final S3Client s3;
    private final Settings settings;
    private final Policy policy;
    private final Clock clock;

    private S3BlobStore(S3Client s3, Settings settings, Policy policy, Clock clock) {
        this.s3 = s3;
        this.settings = settings;
        this.policy = policy;
        this.clock = clock;
    }

    /** Opens the store and checks the bucket answers; fails with what was tried otherwise. */
    public static S3BlobStore open(Settings settings, Policy policy) throws IOException {
        return open(settings, policy, Clock.systemUTC());
    }

    static S3BlobStore open(Settings settings, Policy policy, Clock clock) throws IOException {
        AwsCredentialsProvider credentials = settings.accessKey() == null || settings.accessKey().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        var builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // Checksums only where the API requires them: S3-compatible servers differ in the newer trailing ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.timeout())
                        .socketTimeout(settings.timeout()))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(settings.timeout())
                        .apiCallTimeout(settings.timeout().multipliedBy(settings.maxAttempts()).plusSeconds(settings.maxAttempts()))
                        .retryStrategy(b -> b.maxAttempts(settings.maxAttempts()))
                        .build());
        if (settings.endpoint() != null) builder.endpointOverride(settings.endpoint());
        S3Client s3 = builder.build();
        try {
            s3.headBucket(b -> b.bucket(settings.bucket()));
        } catch (SdkException e) {
            s3.close();
            throw new IOException("cannot open the blob store: " + settings.describe() + " " + problem(e)
                    + " (tried HEAD of the bucket; it must exist, the store never creates one)", e);
        }
        return new S3BlobStore(s3, settings, policy, clock);
    }

    private static String problem(SdkException e) {
        if (e instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() != null ? s3e.awsErrorDetails().errorCode() : null;
            return "answered HTTP " + s3e.statusCode() + (code != null ? " " + code : "")
                    + (s3e.statusCode() == 404 ? ": no such bucket" : s3e.statusCode() == 403 ? ": access denied" : "");
        }
        Throwable cause = e;
        while (cause.getCause() != null) cause = cause.getCause();
        return "is unreachable: " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
    }

    private IOException failure(String what, String key, SdkException e) {
        return new IOException(what + " " + key + " in the " + settings.describe() + " failed: " + problem(e), e);
    }

    private String objectKey(String key) {
        BlobKeys.validate(key);
        return settings.prefix().isEmpty() ? key : settings.prefix() + "/" + key;
    }

    @Override
    public String put(BlobKind kind, String id, byte[] bytes) throws IOException {
        String key = BlobKeys.of(kind, id);
        policy.checkSize(key, bytes.length);
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(objectKey(key)).contentLength((long) bytes.length),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("writing", key, e);
        }
        return key;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        String objectKey = objectKey(key);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(settings.bucket()).key(objectKey))) {
            Long length = in.response().contentLength();
            if (length != null && length > policy.maxObjectBytes()) {
                in.abort(); // do not drain an oversized body only to close the connection cleanly
                policy.checkSize(key, length);
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, policy.maxObjectBytes() + 1));
            policy.checkSize(key, bytes.length);
            return Optional.of(bytes);
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("reading", key, e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        String objectKey = objectKey(key);
        try {
            // S3 deletes idempotently and does not say whether the object was there: ask first.
            s3.headObject(b -> b.bucket(settings.bucket()).key(objectKey));
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return false;
            throw failure("deleting", key, e);
        } catch (SdkException e) {
            throw failure("deleting", key, e);
        }
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey));
            return true;
        } catch (SdkException e) {
            throw failure("deleting", key, e);
        }
    }

    private List<Sweep.Entry> entries() throws IOException {
        List<Sweep.Entry> entries = new ArrayList<>();
        String base = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
        for (BlobKind kind : BlobKind.values()) {
            String prefix = base + kind.dir() + "/";
            try {
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents()) {
                    String key = o.key().substring(base.length());
                    if (!BlobKeys.isKey(kind, key)) continue; // not ours: never touched
                    entries.add(new Sweep.Entry(key, kind, o.size(), o.lastModified().toEpochMilli()));
                }
            } catch (SdkException e) {
                throw failure("listing", prefix, e);
            }
        }
        return entries;
    }

    @Override
    public synchronized SweepResult sweep() throws IOException {
        Sweep.Plan plan = Sweep.plan(entries(), policy, clock.millis());
        for (Sweep.Entry e : plan.remove()) {
            try {
                s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey(e.key())));
            } catch (SdkException ex) {
                throw failure("deleting", e.key(), ex);
            }
        }
        return new SweepResult(plan.remove().size(), plan.removedBytes(), plan.remainingBytes());
    }

    @Override
    public long sizeBytes() throws IOException {
        return entries().stream().mapToLong(Sweep.Entry::size).sum();
    }

    @Override
    public void close() {
        s3.close();
    }
}
