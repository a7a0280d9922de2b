/// Host-wide switches read from the environment (seed 000): each defaults to on.
public struct HostSwitches: Sendable, Hashable {
    /// Off: only the first tenant of `tenants.yaml` is served.
    public var multiTenant: Bool
    /// Off: the `usage_limits` middleware passes through.
    public var usageTracking: Bool
    /// Off: the `actions_center` middleware passes through.
    public var actionsCenter: Bool

    public init(multiTenant: Bool = true, usageTracking: Bool = true, actionsCenter: Bool = true) {
        self.multiTenant = multiTenant
        self.usageTracking = usageTracking
        self.actionsCenter = actionsCenter
    }

    /// Reads `ENABLE_MULTI_TENANT`, `ENABLE_USAGE_TRACKING`, `ENABLE_ACTIONS_CENTER`
    /// (`false`, `0`, `no`, `off` switch a feature off).
    public init(environment: [String: String]) {
        func flag(_ name: String) -> Bool {
            guard let value = environment[name]?.lowercased() else { return true }
            return !["false", "0", "no", "off"].contains(value)
        }
        self.init(multiTenant: flag("ENABLE_MULTI_TENANT"), usageTracking: flag("ENABLE_USAGE_TRACKING"), actionsCenter: flag("ENABLE_ACTIONS_CENTER"))
    }
}
