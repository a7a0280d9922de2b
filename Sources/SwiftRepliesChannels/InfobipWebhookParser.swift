import Foundation
import SwiftRepliesCore

/// Reads Infobip WhatsApp webhooks: `results[]` of inbound messages (with a `message`), seen
/// reports (with `seenAt`) and delivery reports (with a `status`).
enum InfobipWebhookParser {
    static func parse(_ body: [UInt8]) throws(WebhookPayloadError) -> ParsedWebhook {
        guard let document = JSONValue.parse(body) else { throw WebhookPayloadError("Infobip webhook body is not valid JSON") }
        guard document.objectValue != nil else { throw WebhookPayloadError("Infobip webhook body is not a JSON object") }
        guard let resultsValue = document["results"] else { throw WebhookPayloadError("Infobip webhook has no results") }
        guard let results = resultsValue.arrayValue else { throw WebhookPayloadError("Infobip webhook results is not an array") }
        var parsed = ParsedWebhook()
        for (index, item) in results.enumerated() {
            let path = "results[\(index)]"
            guard item.objectValue != nil else { throw WebhookPayloadError("\(path) is not an object") }
            if let message = item["message"], !message.isNull {
                parsed.messages.append(try parseMessage(item, message: message, path: path))
            } else if let seenAt = item["seenAt"], !seenAt.isNull {
                let id = try messageID(item, path)
                // Seen reports name the parties ambiguously (`from`/`to`); only the id is used.
                parsed.statuses.append(
                    DeliveryStatusUpdate(provider: .infobip, providerMessageID: id, state: .read, at: ProviderTimestamp.iso8601(seenAt)))
            } else if let status = item["status"], !status.isNull {
                if let update = try parseReport(item, status: status, path: path) {
                    parsed.statuses.append(update)
                } else {
                    parsed.ignoredCount += 1
                }
            } else {
                parsed.ignoredCount += 1
            }
        }
        return parsed
    }

    private static func messageID(_ item: JSONValue, _ path: String) throws(WebhookPayloadError) -> String {
        guard let id = item["messageId"]?.text, !id.isEmpty else { throw WebhookPayloadError("\(path) has no messageId") }
        return id
    }

    private static func parseMessage(_ item: JSONValue, message: JSONValue, path: String) throws(WebhookPayloadError) -> InboundMessage {
        guard message.objectValue != nil else { throw WebhookPayloadError("\(path).message is not an object") }
        let id = try messageID(item, path)
        guard let fromText = item["from"]?.text, !fromText.isEmpty else { throw WebhookPayloadError("\(path) has no from") }
        guard let from = PhoneNumber(normalizing: fromText) else {
            throw WebhookPayloadError("\(path).from \"\(fromText)\" is not a phone number")
        }
        return InboundMessage(
            provider: .infobip, providerMessageID: id, from: from, to: item["to"]?.text.flatMap { PhoneNumber(normalizing: $0) },
            contactName: item["contact"]?["name"]?.text, content: content(of: message),
            sentAt: ProviderTimestamp.iso8601(item["receivedAt"]))
    }

    /// The normalised content of an Infobip `message`, by its `type`.
    static func content(of message: JSONValue) -> MessageContent {
        let type = (message["type"]?.text ?? "UNKNOWN").uppercased()
        var attributes: [String: String] = [:]
        func copy(_ key: String, as name: String) {
            if let value = message[key]?.text { attributes[name] = value }
        }
        func caption() -> String? {
            guard let caption = message["caption"]?.text, !caption.isEmpty else { return nil }
            return caption
        }
        switch type {
        case "TEXT":
            return MessageContent(kind: .text, text: message["text"]?.text ?? "")
        case "IMAGE", "VIDEO", "AUDIO", "VOICE", "DOCUMENT", "STICKER":
            copy("url", as: "media_url")
            copy("mimeType", as: "mime_type")
            copy("filename", as: "filename")
            copy("fileName", as: "filename")
            let kinds: [String: MessageKind] = [
                "IMAGE": .image, "VIDEO": .video, "AUDIO": .audio, "VOICE": .audio, "DOCUMENT": .document, "STICKER": .sticker,
            ]
            return MessageContent(kind: kinds[type] ?? .unsupported, text: caption(), attributes: attributes)
        case "LOCATION":
            for key in ["latitude", "longitude", "name", "address", "url"] { copy(key, as: key) }
            return MessageContent(kind: .location, attributes: attributes)
        case "CONTACT", "CONTACTS":
            let contacts = message["contacts"]?.arrayValue ?? []
            attributes["contact_count"] = String(contacts.count)
            if let name = contacts.first?["name"]?["formattedName"]?.text { attributes["contact_name"] = name }
            if let phone = contacts.first?["phones"]?.arrayValue?.first?["phone"]?.text { attributes["contact_phone"] = phone }
            return MessageContent(kind: .contacts, attributes: attributes)
        case "BUTTON":
            copy("payload", as: "payload")
            return MessageContent(kind: .button, text: message["text"]?.text, attributes: attributes)
        case "INTERACTIVE_BUTTON_REPLY":
            copy("id", as: "button_id")
            return MessageContent(kind: .button, text: message["title"]?.text, attributes: attributes)
        case "INTERACTIVE_LIST_REPLY":
            copy("id", as: "list_id")
            copy("description", as: "description")
            return MessageContent(kind: .listReply, text: message["title"]?.text, attributes: attributes)
        case "REACTION":
            copy("emoji", as: "emoji")
            copy("messageId", as: "reacted_message_id")
            return MessageContent(kind: .reaction, attributes: attributes)
        default:
            attributes["provider_type"] = type
            return MessageContent(kind: .unsupported, attributes: attributes)
        }
    }

    /// A delivery report; `nil` for a status group that is not a delivery state.
    private static func parseReport(_ item: JSONValue, status: JSONValue, path: String) throws(WebhookPayloadError) -> DeliveryStatusUpdate? {
        guard status.objectValue != nil else { throw WebhookPayloadError("\(path).status is not an object") }
        let id = try messageID(item, path)
        let group = (status["groupName"]?.text ?? "").uppercased()
        let state: DeliveryState
        switch group {
        case "PENDING": state = .accepted
        case "DELIVERED": state = .delivered
        case "UNDELIVERABLE", "EXPIRED", "REJECTED": state = .failed
        default: return nil
        }
        var errorCode: String?
        var errorMessage: String?
        if let error = item["error"], !error.isNull, error["name"]?.text != "NO_ERROR", error["id"]?.number != 0 {
            errorCode = error["name"]?.text ?? error["id"]?.text
            errorMessage = error["description"]?.text
        }
        if state == .failed, errorCode == nil {
            errorCode = status["name"]?.text
            errorMessage = status["description"]?.text
        }
        return DeliveryStatusUpdate(
            provider: .infobip, providerMessageID: id, state: state, errorCode: errorCode, errorMessage: errorMessage,
            recipient: item["to"]?.text.flatMap { PhoneNumber(normalizing: $0) },
            at: ProviderTimestamp.iso8601(item["doneAt"]) ?? ProviderTimestamp.iso8601(item["sentAt"]))
    }
}
