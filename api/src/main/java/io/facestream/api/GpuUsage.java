package io.facestream.api;

/** GPU memory in MiB as seed 002's /health reports it ({@code gpu: {used_mb, total_mb}}). */
public record GpuUsage(long usedMb, long totalMb) {}
