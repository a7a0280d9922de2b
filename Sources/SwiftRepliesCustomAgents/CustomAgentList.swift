// The custom agent modules this deployment registers, one line each between the markers.
//
// `swift package --allow-writing-to-package-directory new-agent <name>` adds a line here. To
// remove a module, delete its line and its file. Keep the markers: new-agent finds the list by
// them.
import SwiftRepliesCore

extension CustomAgents {
    /// Every custom agent module: the name agent files use in `module:`, and its factory.
    static let modules: [CustomAgentModule] = [
        // new-agent: begin module list
        // new-agent: end module list
    ]
}
