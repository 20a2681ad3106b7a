export type { Informer } from './informer.js'
export { DEFAULT_METRIC_TTL_MS } from './ttl.js'
export { diskConfigSection, DiskInformer, diskMetric, type DiskInformerConfig, type DiskMetricType } from './disk.js'
export { tagsConfigSection, TagsInformer, tagMetrics, TAG_METRIC_PREFIX, DEFAULT_TAGS, type TagsInformerConfig } from './tags.js'
export {
  pinqueueConfigSection, PinQueueInformer, pinQueueMetric, PINQUEUE_METRIC_NAME, DEFAULT_WEIGHT_BUCKET_SIZE,
  type PinQueueInformerConfig, type PinQueueSize
} from './pinqueue.js'
export {
  PING_METRIC_NAME, PingMetricSource, pingMetric, pingValueFromMetric, encodePingValue, publicIPFSAddresses,
  type PingValue, type PingMetricSourceInit
} from './ping.js'
export { MetricsPublisher, FALLBACK_TTL_MS, type MetricsPublisherInit, type MetricSink } from './publisher.js'
