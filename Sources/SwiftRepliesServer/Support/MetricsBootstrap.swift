import Metrics
import Prometheus

/// Bootstraps swift-metrics with swift-prometheus, once per process. Only executables and test
/// harnesses call it; the libraries just create metrics.
public enum MetricsBootstrap {
    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The process-wide registry (bootstrapping on first use).
    public static func prometheus() -> PrometheusCollectorRegistry { shared }
}
