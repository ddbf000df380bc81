//! How risky the server judged a sign-in (protocol.md section 6.6): a level and
//! the reasons for it, signed into the challenge so that the phone can show
//! them and enforce what the level demands even if a shell forgets to.

use serde::{Deserialize, Serialize};

/// What the level demands of an approval: medium needs the number matched,
/// high also needs the user verified on the phone and is never approved from
/// a notification. (Very high never reaches a phone: the server refuses it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// One signal the server saw, as a closed set the phone words for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RiskReason {
    /// Many sign-in requests to this user in a short time, across apps.
    Burst,
    /// The user's last requests were denied or left to expire.
    DeniedStreak,
    /// An address this user has not signed in from before.
    NewAddress,
    /// A network (an ASN, a /24) this user has not signed in from before.
    NewNetwork,
    /// A place this user has not signed in from before.
    NewLocation,
    /// Farther from the previous sign-in than anyone can travel in the time between.
    ImpossibleTravel,
    /// Outside the hours this user usually signs in.
    UnusualHour,
    /// Many users were sent requests from the same address.
    Spray,
}

impl RiskReason {
    /// The reason in the user's words, for the approval screen and the CLI.
    pub fn words(self) -> &'static str {
        match self {
            RiskReason::Burst => "many sign-in requests in a short time",
            RiskReason::DeniedStreak => "your last requests were denied or expired",
            RiskReason::NewAddress => "a new address",
            RiskReason::NewNetwork => "a new network",
            RiskReason::NewLocation => "a new location",
            RiskReason::ImpossibleTravel => {
                "too far from your last sign-in for the time between them"
            }
            RiskReason::UnusualHour => "an unusual time of day for you",
            RiskReason::Spray => "many people were sent requests from the same address",
        }
    }
}

/// The assessment a challenge carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    pub level: RiskLevel,
    #[serde(default)]
    pub reasons: Vec<RiskReason>,
}

/// A latitude or longitude in millionths of a degree (about 11 cm), so that a
/// context stays `Eq`; JSON carries it as a plain number of degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Degrees(i64);

impl Degrees {
    pub fn from_degrees(degrees: f64) -> Self {
        Self((degrees * 1e6).round() as i64)
    }

    pub fn degrees(self) -> f64 {
        self.0 as f64 / 1e6
    }

    pub fn micro(self) -> i64 {
        self.0
    }
}

impl Serialize for Degrees {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.degrees())
    }
}

impl<'de> Deserialize<'de> for Degrees {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if value.is_finite() && (-180.0..=180.0).contains(&value) {
            Ok(Self::from_degrees(value))
        } else {
            Err(serde::de::Error::custom(
                "degrees must be between -180 and 180",
            ))
        }
    }
}

/// Great-circle distance in kilometres between two points (haversine on a
/// sphere of the Earth's mean radius: within 0.5 % of the ellipsoid, plenty
/// for telling a commute from a flight).
pub fn distance_km(from: (Degrees, Degrees), to: (Degrees, Degrees)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lon1) = (from.0.degrees().to_radians(), from.1.degrees().to_radians());
    let (lat2, lon2) = (to.0.degrees().to_radians(), to.1.degrees().to_radians());
    let half_chord = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * half_chord.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn point(lat: f64, lon: f64) -> (Degrees, Degrees) {
        (Degrees::from_degrees(lat), Degrees::from_degrees(lon))
    }

    #[test]
    fn berlin_to_sydney_is_about_16_000_km() {
        let km = distance_km(point(52.52, 13.405), point(-33.8688, 151.2093));
        assert!((16_000.0..16_150.0).contains(&km), "{km}");
        assert!(distance_km(point(52.52, 13.405), point(52.52, 13.405)) < 0.001);
    }

    #[test]
    fn degrees_travel_as_numbers_and_out_of_range_is_refused() {
        let value: Degrees = serde_json::from_str("52.520008").unwrap();
        assert_eq!(value.micro(), 52_520_008);
        assert_eq!(serde_json::to_string(&value).unwrap(), "52.520008");
        assert!(serde_json::from_str::<Degrees>("181").is_err());
    }

    #[test]
    fn a_risk_is_a_level_and_closed_reasons() {
        let risk: Risk = serde_json::from_str(
            r#"{"level":"high","reasons":["impossible_travel","new_location"]}"#,
        )
        .unwrap();
        assert_eq!(risk.level, RiskLevel::High);
        assert!(RiskLevel::High > RiskLevel::Medium);
        assert!(
            serde_json::from_str::<Risk>(r#"{"level":"high","reasons":["a free text"]}"#).is_err()
        );
    }
}
