import Foundation
import SwiftRepliesConfig
import SwiftRepliesCore

extension ModuleRegistries {
    /// A loader for `directory` that knows this host's modules and middleware.
    public func configLoader(directory: String, environment: [String: String] = ProcessInfo.processInfo.environment, strict: Bool = false) -> ConfigLoader {
        ConfigLoader(
            directory: directory, environment: environment, knownModules: Set(agents.names), knownMiddleware: Set(middleware.names), strict: strict
        )
    }
}
