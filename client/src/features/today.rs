//! The Today screen: the person's check-in, the partner's (with the reveal rule), the streak,
//! dates coming up and a challenge to try.

use jiff::Timestamp;
use together_core::view::{ParticipationView, PartnerToday, TodayView};

use crate::error::Result;
use crate::relationship::{display_name, partner_of};
use crate::store::{Store, analytics};

impl Store {
    /// The Today screen on the person's local day at `now`. It never names the sync server (a
    /// couple reads no addresses on Today; Settings shows where data syncs).
    pub fn today_view(&self, now: Timestamp) -> Result<TodayView> {
        let today = self.local_today(now)?;
        let mut view =
            TodayView::empty(today.to_string(), today.strftime("%A, %B %-d").to_string());
        view.display_name = self.local_display_name()?;
        let (Some(me), Some(relationship)) = (self.local_user()?, self.current_relationship()?)
        else {
            return Ok(view);
        };
        let date = today.to_string();
        let visible = self.visible_checkins()?;
        view.my_checkin = visible.iter().find(|c| c.mine && c.date == date).cloned();
        if let Some(partner) = partner_of(self.conn(), relationship, me)? {
            let name = display_name(self.conn(), partner)?;
            let partner_checked_in: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM daily_checkins
                 WHERE relationship_id = ?1 AND user_id = ?2 AND checkin_date = ?3)",
                (relationship.to_string(), partner.to_string(), &date),
                |row| row.get(0),
            )?;
            let revealed = visible.iter().find(|c| !c.mine && c.date == date).cloned();
            view.partner = match (partner_checked_in, revealed) {
                (_, Some(checkin)) => PartnerToday::Revealed { name, checkin },
                (true, None) => PartnerToday::Sealed { name },
                (false, None) => PartnerToday::Waiting { name },
            };
        }
        view.gesture =
            crate::love_languages::gesture_for_partner(self.conn(), relationship, me, today)?;
        view.streak = analytics::summarize(self.conn(), &relationship.to_string(), today)?
            .map_or(0, |s| s.checkin_streak);
        view.reminders = self
            .dates(now)?
            .into_iter()
            .filter_map(|d| {
                let (days, before) = (d.days_until?, d.reminder_days_before?);
                (days <= before).then(|| crate::dates::coming_up(&d.name, days))
            })
            .collect();
        if !self
            .participations()?
            .iter()
            .any(ParticipationView::is_running)
        {
            let challenges = self.challenges()?;
            if !challenges.is_empty() {
                let pick = usize::try_from(today.day_of_year()).unwrap_or(0) % challenges.len();
                view.suggestion = challenges.into_iter().nth(pick);
            }
        }
        Ok(view)
    }
}
