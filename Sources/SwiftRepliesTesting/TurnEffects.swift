import SwiftRepliesCore

/// Something a turn left behind besides its replies: an Actions Center request created or
/// resolved, a human taking the conversation over.
///
/// The kit learns them from the `TurnEffectProbe`s given to `AgentTestKit.start` (by default
/// `OperatorRecordsProbe`, which reads what the `actions_center` and `live_takeover` middleware
/// recorded). `ReplyExpectation.actionCreated`, `.actionResolved` and `.takeover` check them.
public struct TurnEffect: Sendable, Hashable, CustomStringConvertible {
    /// What kind of effect.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// An Actions Center request was created (attributes: `request_type`, `amount`, `status`, ...).
        public static let actionCreated = Kind(rawValue: "action_created")
        /// An Actions Center request was approved, denied or expired (attributes: `request_type`, `outcome`).
        public static let actionResolved = Kind(rawValue: "action_resolved")
        /// A human has the conversation; the bot stays quiet (attributes: `operator`, ...).
        public static let takeover = Kind(rawValue: "takeover")
    }

    public var kind: Kind
    /// Facts about the effect, by name (`request_type`, `amount`, `outcome`, ...).
    public var attributes: [String: String]

    public init(kind: Kind, attributes: [String: String] = [:]) {
        self.kind = kind
        self.attributes = attributes
    }

    public var description: String {
        let facts = attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return facts.isEmpty ? kind.rawValue : "\(kind.rawValue)(\(facts))"
    }
}

/// Extension point: reports what a turn left behind that only a middleware knows about. The kit
/// asks every probe after every turn and stores the answers in `TurnReply.effects`.
/// `OperatorRecordsProbe` is the built-in one; write your own for your middleware's records
/// (use `TurnEffect.Kind(rawValue:)` for new kinds and check them with `ReplyExpectation.effect`).
public protocol TurnEffectProbe: Sendable {
    /// The effects of the turn that produced `reply`, in `conversation`.
    func effects(of reply: TurnReply, in conversation: ConversationKey, stores: StoreSet) async throws -> [TurnEffect]
}
