/// What kind of message a customer sent.
public enum MessageKind: String, Sendable, Codable, Hashable, CaseIterable {
    case text
    /// A tap on a reply button (interactive or template quick reply).
    case button
    /// A choice from a list message.
    case listReply = "list_reply"
    case image
    case video
    case audio
    case document
    case sticker
    case location
    case reaction
    case contacts
    /// Anything the runtime does not understand; stored, never answered.
    case unsupported
}

/// The content of an inbound message, normalised across providers.
public struct MessageContent: Sendable, Hashable {
    public var kind: MessageKind
    /// What the customer wrote or chose: the text, a button's title, a list row's title, a
    /// media caption. `nil` when there is nothing to read.
    public var text: String?
    /// Extra facts by name (`media_id`, `media_url`, `mime_type`, `filename`, `latitude`,
    /// `longitude`, `emoji`, `reacted_message_id`, `button_id`, `payload`, `provider_type`, ...).
    public var attributes: [String: String]

    public init(kind: MessageKind, text: String? = nil, attributes: [String: String] = [:]) {
        self.kind = kind
        self.text = text
        self.attributes = attributes
    }

    /// A plain text message.
    public static func text(_ text: String) -> MessageContent { MessageContent(kind: .text, text: text) }

    /// Whether an agent can answer it: text, button and list replies, and media with a caption.
    /// Reactions, locations, stickers, media without caption and unsupported kinds are stored only.
    public var isAnswerable: Bool {
        guard let text, !text.trimmingCharactersInWhitespace().isEmpty else { return false }
        switch kind {
        case .text, .button, .listReply, .image, .video, .document: return true
        case .audio, .sticker, .location, .reaction, .contacts, .unsupported: return false
        }
    }
}
