/// The notes (`TurnContext.notes`) the `actions_center` middleware hands the agent, so that an
/// agent can word, in the customer's language, why a decision cannot be asked for.
public enum ActionsCenterNotes {
    /// Set when the Actions Center cannot take a request in this turn; absent when it can.
    public static let availability = "actions_center.availability"
    /// `availability`: the tenant's subscription has the `actions_center` feature off.
    public static let disabled = "disabled"
    /// `availability`: the tenant reached its `max_actions_per_day`.
    public static let dailyLimitReached = "daily_limit_reached"
    /// In a resolution turn, the action's facts (`sku`, `product`, ...) are notes named
    /// `action.<fact>`.
    public static let factPrefix = "action."
}
