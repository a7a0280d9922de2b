import Foundation
import SwiftRepliesCore

/// Reads a WhatsApp Cloud API webhook body (`object: whatsapp_business_account`) into messages
/// and statuses.
enum MetaWebhookParser {
    static func parse(_ body: [UInt8]) throws(WebhookPayloadError) -> ParsedWebhook {
        guard let document = JSONValue.parse(body) else { throw WebhookPayloadError("Meta webhook body is not valid JSON") }
        guard document.objectValue != nil else { throw WebhookPayloadError("Meta webhook body is not a JSON object") }
        guard let object = document["object"]?.text else { throw WebhookPayloadError("Meta webhook has no \"object\" field") }
        guard object == "whatsapp_business_account" else {
            throw WebhookPayloadError("Meta webhook object is \"\(object)\", expected \"whatsapp_business_account\"")
        }
        let entries = try array(document["entry"], "entry")
        var result = ParsedWebhook()
        for (entryIndex, entry) in entries.enumerated() {
            guard entry.objectValue != nil else { throw WebhookPayloadError("entry[\(entryIndex)] is not an object") }
            let changes = try array(entry["changes"], "entry[\(entryIndex)].changes")
            for (changeIndex, change) in changes.enumerated() {
                let path = PayloadPath(entry: entryIndex, change: changeIndex)
                guard change.objectValue != nil else { throw WebhookPayloadError("\(path) is not an object") }
                guard change["field"]?.text == "messages" else {
                    // account_update, message_template_status_update, ...: not ours to act on.
                    result.ignoredCount += 1
                    continue
                }
                guard let value = change["value"], value.objectValue != nil else {
                    throw WebhookPayloadError("\(path).value is missing or not an object")
                }
                try parseValue(value, path: path, into: &result)
            }
        }
        return result
    }

    /// Where in the payload a change is, for error messages: rendered only when one is thrown
    /// (every webhook passes through here).
    private struct PayloadPath: CustomStringConvertible {
        var entry: Int
        var change: Int
        /// An item of `value.<list>`, when given.
        var item: (list: String, index: Int)?

        var description: String {
            let change = "entry[\(entry)].changes[\(self.change)]"
            guard let item else { return change }
            return "\(change).value.\(item.list)[\(item.index)]"
        }

        func item(_ list: String, _ index: Int) -> PayloadPath { PayloadPath(entry: entry, change: change, item: (list, index)) }
    }

    private static func parseValue(_ value: JSONValue, path: PayloadPath, into result: inout ParsedWebhook) throws(WebhookPayloadError) {
        let metadata = value["metadata"]
        let displayNumber = metadata?["display_phone_number"]?.text.flatMap { PhoneNumber(normalizing: $0) }
        let phoneNumberID = metadata?["phone_number_id"]?.text

        var names: [String: String] = [:]
        var onlyName: String?
        if let contacts = value["contacts"], !contacts.isNull {
            let list = try array(contacts, "\(path).value.contacts")
            for contact in list {
                guard let name = contact["profile"]?["name"]?.text else { continue }
                if let waID = contact["wa_id"]?.text { names[waID] = name }
                if list.count == 1 { onlyName = name }
            }
        }

        var handled = false
        if let messages = value["messages"], !messages.isNull {
            handled = true
            for (index, message) in try array(messages, "\(path).value.messages").enumerated() {
                let inbound = try parseMessage(
                    message, path: path.item("messages", index), to: displayNumber, phoneNumberID: phoneNumberID,
                    names: names, onlyName: onlyName)
                result.messages.append(inbound)
            }
        }
        if let statuses = value["statuses"], !statuses.isNull {
            handled = true
            for (index, status) in try array(statuses, "\(path).value.statuses").enumerated() {
                if let update = try parseStatus(status, path: path.item("statuses", index), business: displayNumber, phoneNumberID: phoneNumberID) {
                    result.statuses.append(update)
                } else {
                    result.ignoredCount += 1
                }
            }
        }
        if let errors = value["errors"]?.arrayValue {
            handled = true
            result.ignoredCount += max(errors.count, 1)
        }
        if !handled { result.ignoredCount += 1 }
    }

    private static func parseMessage(
        _ message: JSONValue, path: PayloadPath, to: PhoneNumber?, phoneNumberID: String?, names: [String: String], onlyName: String?
    ) throws(WebhookPayloadError) -> InboundMessage {
        guard message.objectValue != nil else { throw WebhookPayloadError("\(path) is not an object") }
        guard let id = message["id"]?.text, !id.isEmpty else { throw WebhookPayloadError("\(path) has no id") }
        guard let fromText = message["from"]?.text, !fromText.isEmpty else { throw WebhookPayloadError("\(path) has no from") }
        guard let from = PhoneNumber(normalizing: fromText) else {
            throw WebhookPayloadError("\(path).from \"\(fromText)\" is not a phone number")
        }
        var content = content(of: message)
        if let context = message["context"] {
            if let replied = context["id"]?.text { content.attributes["context_message_id"] = replied }
            if context["forwarded"] == .bool(true) { content.attributes["forwarded"] = "true" }
        }
        return InboundMessage(
            provider: .meta, providerMessageID: id, from: from, to: to, toPhoneNumberID: phoneNumberID,
            contactName: names[fromText] ?? names[from.digits] ?? onlyName, content: content,
            sentAt: ProviderTimestamp.unixSeconds(message["timestamp"]))
    }

    /// The normalised content of one message, by its `type`.
    static func content(of message: JSONValue) -> MessageContent {
        let type = message["type"]?.text ?? "unknown"
        let body = message[type]
        var attributes: [String: String] = [:]
        func copy(_ key: String, as name: String? = nil, from source: JSONValue? = body) {
            if let value = source?[key]?.text { attributes[name ?? key] = value }
        }
        switch type {
        case "text":
            return MessageContent(kind: .text, text: body?["body"]?.text ?? "")
        case "interactive":
            let interactiveType = body?["type"]?.text ?? "unknown"
            if interactiveType == "button_reply", let reply = body?["button_reply"] {
                copy("id", as: "button_id", from: reply)
                return MessageContent(kind: .button, text: reply["title"]?.text, attributes: attributes)
            }
            if interactiveType == "list_reply", let reply = body?["list_reply"] {
                copy("id", as: "list_id", from: reply)
                copy("description", from: reply)
                return MessageContent(kind: .listReply, text: reply["title"]?.text, attributes: attributes)
            }
            attributes["provider_type"] = "interactive.\(interactiveType)"
            return MessageContent(kind: .unsupported, attributes: attributes)
        case "button":
            copy("payload")
            return MessageContent(kind: .button, text: body?["text"]?.text, attributes: attributes)
        case "image", "video", "document", "audio", "sticker":
            copy("id", as: "media_id")
            copy("mime_type")
            copy("sha256")
            copy("filename")
            if body?["voice"] == .bool(true) { attributes["voice"] = "true" }
            if body?["animated"] == .bool(true) { attributes["animated"] = "true" }
            let kind = MessageKind(rawValue: type) ?? .unsupported
            let caption = body?["caption"]?.text
            return MessageContent(kind: kind, text: caption?.isEmpty == false ? caption : nil, attributes: attributes)
        case "location":
            for key in ["latitude", "longitude", "name", "address", "url"] { copy(key) }
            return MessageContent(kind: .location, attributes: attributes)
        case "reaction":
            copy("emoji")
            copy("message_id", as: "reacted_message_id")
            return MessageContent(kind: .reaction, attributes: attributes)
        case "contacts":
            let contacts = message["contacts"]?.arrayValue ?? []
            attributes["contact_count"] = String(contacts.count)
            if let first = contacts.first {
                if let name = first["name"]?["formatted_name"]?.text { attributes["contact_name"] = name }
                if let phone = first["phones"]?.arrayValue?.first?["phone"]?.text { attributes["contact_phone"] = phone }
            }
            return MessageContent(kind: .contacts, attributes: attributes)
        default:
            attributes["provider_type"] = type
            if let error = message["errors"]?.arrayValue?.first {
                copy("code", as: "error_code", from: error)
                copy("title", as: "error_title", from: error)
            }
            return MessageContent(kind: .unsupported, attributes: attributes)
        }
    }

    /// One `statuses[]` item; `nil` for a status that is not a delivery state (`deleted`,
    /// `warning`, ...).
    private static func parseStatus(
        _ status: JSONValue, path: PayloadPath, business: PhoneNumber?, phoneNumberID: String?
    ) throws(WebhookPayloadError) -> DeliveryStatusUpdate? {
        guard status.objectValue != nil else { throw WebhookPayloadError("\(path) is not an object") }
        guard let id = status["id"]?.text, !id.isEmpty else { throw WebhookPayloadError("\(path) has no id") }
        guard let name = status["status"]?.text else { throw WebhookPayloadError("\(path) has no status") }
        let state: DeliveryState
        switch name.lowercased() {
        case "sent": state = .sent
        case "delivered": state = .delivered
        case "read", "played": state = .read
        case "failed": state = .failed
        default: return nil
        }
        let error = status["errors"]?.arrayValue?.first
        let title = error?["title"]?.text
        let message = error?["message"]?.text
        var errorMessage = message ?? title
        if let title, let message, title != message { errorMessage = "\(title): \(message)" }
        if let details = error?["error_data"]?["details"]?.text, errorMessage == nil { errorMessage = details }
        return DeliveryStatusUpdate(
            provider: .meta, providerMessageID: id, state: state, errorCode: error?["code"]?.text, errorMessage: errorMessage,
            businessNumber: business, businessPhoneNumberID: phoneNumberID,
            recipient: status["recipient_id"]?.text.flatMap { PhoneNumber(normalizing: $0) },
            at: ProviderTimestamp.unixSeconds(status["timestamp"]))
    }

    private static func array(_ value: JSONValue?, _ name: @autoclosure () -> String) throws(WebhookPayloadError) -> [JSONValue] {
        guard let value else { throw WebhookPayloadError("\(name()) is missing") }
        guard let items = value.arrayValue else { throw WebhookPayloadError("\(name()) is not an array") }
        return items
    }
}
