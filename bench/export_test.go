package bench

// ReadCachesForTest reads the cache sizes from a sysfs-like directory.
var ReadCachesForTest = readCaches
