import PackagePlugin
@main struct ValidateConfigPlugin: CommandPlugin { func performCommand(context: PluginContext, arguments: [String]) async throws {} }
