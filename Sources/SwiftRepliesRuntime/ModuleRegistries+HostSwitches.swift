import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesMiddleware

extension ModuleRegistries {
    /// These registries with the host's switches applied: `ENABLE_USAGE_TRACKING=false` makes
    /// `usage_limits`, and `ENABLE_ACTIONS_CENTER=false` makes `actions_center`, pass every turn
    /// through (logged once; `/health` shows the switches under `config.switches`).
    public func applying(_ switches: HostSwitches) -> ModuleRegistries {
        var registries = self
        if !switches.usageTracking {
            registries.middleware.register("usage_limits") { _ in PassThroughMiddleware(name: "usage_limits", reason: "ENABLE_USAGE_TRACKING=false") }
        }
        if !switches.actionsCenter {
            registries.middleware.register("actions_center") { _ in PassThroughMiddleware(name: "actions_center", reason: "ENABLE_ACTIONS_CENTER=false") }
        }
        return registries
    }
}
