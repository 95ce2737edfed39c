//! Orders: status pipeline and lines. Money is in minor units.

use std::fmt;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Just received.
    New,
    /// The business accepted it.
    Confirmed,
    /// Paid.
    Paid,
    /// Sent out.
    Shipped,
    /// Received by the customer.
    Delivered,
    /// Called off.
    Cancelled,
}

/// Every status, in pipeline order.
pub const ORDER_STATUSES: [OrderStatus; 6] = [
    OrderStatus::New,
    OrderStatus::Confirmed,
    OrderStatus::Paid,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Cancelled,
];

impl OrderStatus {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        ORDER_STATUSES.into_iter().find(|x| x.as_str() == s)
    }

    /// Statuses this one may move to: forward along new → confirmed → paid → shipped →
    /// delivered (steps may be skipped), or cancelled before delivery.
    #[must_use]
    pub fn next(self) -> Vec<OrderStatus> {
        let pos = ORDER_STATUSES.iter().position(|s| *s == self).unwrap_or(0);
        match self {
            OrderStatus::Delivered | OrderStatus::Cancelled => Vec::new(),
            _ => ORDER_STATUSES[pos + 1..].to_vec(),
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipeline_only_moves_forward_or_to_cancelled() {
        assert_eq!(OrderStatus::New.next().len(), 5);
        assert_eq!(
            OrderStatus::Shipped.next(),
            vec![OrderStatus::Delivered, OrderStatus::Cancelled]
        );
        assert!(OrderStatus::Delivered.next().is_empty());
        assert!(OrderStatus::Cancelled.next().is_empty());
        assert!(!OrderStatus::Paid.next().contains(&OrderStatus::New));
        assert_eq!(OrderStatus::parse("paid"), Some(OrderStatus::Paid));
        assert_eq!(OrderStatus::parse("lost"), None);
    }
}
