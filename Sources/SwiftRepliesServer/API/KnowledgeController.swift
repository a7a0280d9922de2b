import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// A chatbot's knowledge base: the agent's YAML entries (read-only here: edit
/// `agents/<id>.yaml`) and the entries added through the API, which the `knowledge_base`
/// middleware uses from the next message on.
///
/// - `GET /api/v1/chatbots` (any key): the tenant's chatbots
/// - `GET /api/v1/chatbots/{chatbot}/knowledge` (`knowledge:read`)
/// - `POST /api/v1/chatbots/{chatbot}/knowledge` `{question, answer, category?}` (`knowledge:write`)
/// - `PATCH /api/v1/chatbots/{chatbot}/knowledge/{id}` `{question?, answer?, category?}`
/// - `DELETE /api/v1/chatbots/{chatbot}/knowledge/{id}`
struct KnowledgeController: Sendable {
    let state: RuntimeStateHolder
    let logger: Logger

    func register(on api: RouterGroup<APIRequestContext>) {
        api.endpoint(.get, "chatbots", scope: nil, logger: logger) { _, _, principal in
            let chatbots = principal.tenant.chatbots.map { chatbot -> [String: Any] in
                ["id": chatbot.id.rawValue, "name": chatbot.name, "agent": chatbot.agentID.rawValue, "numbers": chatbot.channels.map { "+" + $0.number.digits }]
            }
            return APIJSON.response(.ok, ["chatbots": chatbots])
        }
        api.endpoint(.get, "chatbots/:chatbot/knowledge", scope: "knowledge:read", logger: logger) { _, context, principal in
            let chatbot = try principal.chatbot(context.parameters.get("chatbot") ?? "")
            let yaml = state.current.snapshot.agent(chatbot.agentID)?.knowledgeBase ?? []
            let stored = try await principal.stores.knowledge.knowledgeEntries(tenantID: principal.tenant.id, chatbotID: chatbot.id)
            let entries = yaml.map { APIRepresentation.knowledge($0, chatbot: chatbot.id) } + stored.map(APIRepresentation.knowledge)
            return APIJSON.response(.ok, ["chatbot_id": chatbot.id.rawValue, "entries": entries])
        }
        api.endpoint(.post, "chatbots/:chatbot/knowledge", scope: "knowledge:write", logger: logger) { request, context, principal in
            let chatbot = try principal.chatbot(context.parameters.get("chatbot") ?? "")
            let body = try await APIBody.read(request, context: context, allowed: ["question", "answer", "category"])
            guard let question = try body.string("question", required: true, maxLength: 1000),
                let answer = try body.string("answer", required: true, maxLength: 4000)
            else { throw APIError.invalid("question", "is required") }
            let category = try body.string("category", maxLength: 100) ?? "general"
            let record = try await principal.stores.knowledge.addKnowledgeEntry(
                tenantID: principal.tenant.id, chatbotID: chatbot.id, draft: KnowledgeDraft(category: category, question: question, answer: answer), at: Date()
            )
            return APIJSON.response(.created, ["entry": APIRepresentation.knowledge(record)])
        }
        api.endpoint(.patch, "chatbots/:chatbot/knowledge/:id", scope: "knowledge:write", logger: logger) { request, context, principal in
            let chatbot = try principal.chatbot(context.parameters.get("chatbot") ?? "")
            let id = try storedEntryID(context, chatbot: chatbot)
            let body = try await APIBody.read(request, context: context, allowed: ["question", "answer", "category"])
            let changes = KnowledgeChanges(
                category: try body.string("category", maxLength: 100), question: try body.string("question", maxLength: 1000),
                answer: try body.string("answer", maxLength: 4000)
            )
            guard changes.category != nil || changes.question != nil || changes.answer != nil else {
                throw APIError.invalid("body", "must change at least one of question, answer, category")
            }
            guard let record = try await principal.stores.knowledge.updateKnowledgeEntry(tenantID: principal.tenant.id, chatbotID: chatbot.id, id: id, changes: changes, at: Date())
            else { throw APIError.notFound("knowledge base entry \(id) not found") }
            return APIJSON.response(.ok, ["entry": APIRepresentation.knowledge(record)])
        }
        api.endpoint(.delete, "chatbots/:chatbot/knowledge/:id", scope: "knowledge:write", logger: logger) { _, context, principal in
            let chatbot = try principal.chatbot(context.parameters.get("chatbot") ?? "")
            let id = try storedEntryID(context, chatbot: chatbot)
            guard try await principal.stores.knowledge.deleteKnowledgeEntry(tenantID: principal.tenant.id, chatbotID: chatbot.id, id: id) else {
                throw APIError.notFound("knowledge base entry \(id) not found")
            }
            return Response(status: .noContent)
        }
    }

    /// The id of an entry added through the API (`12` or `db-12`); a YAML entry's id is a 409
    /// that says where to change it.
    private func storedEntryID(_ context: APIRequestContext, chatbot: ChatbotDefinition) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        let digits = text.hasPrefix("db-") ? String(text.dropFirst(3)) : text
        if let id = Int64(digits), id > 0 { return id }
        if let agent = state.current.snapshot.agent(chatbot.agentID), agent.knowledgeBase.contains(where: { $0.id == text }) {
            throw APIError.conflict("read_only", "entry '\(text)' comes from the agent's YAML; change it in \(agent.sourceFile.isEmpty ? "agents/\(agent.id).yaml" : agent.sourceFile)")
        }
        throw APIError.notFound("knowledge base entry '\(text)' not found")
    }
}
