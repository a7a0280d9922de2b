import PackagePlugin

/// `swift package --allow-writing-to-package-directory new-agent <name>` (being written).
@main
struct NewAgentPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        Diagnostics.error("new-agent is not written yet")
    }
}
