package dev.hone.transformer.data;

/** Whether exact duplicates (same roles and contents after whitespace normalisation) are removed while reading. */
public enum DuplicatePolicy {
    /** Keep the first occurrence, count the rest as duplicates. */
    REMOVE,
    /** Keep every example. */
    KEEP
}
