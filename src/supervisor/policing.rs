//! Policing what the sandbox sends: protocol violations and floods.

use super::*;

pub(super) fn bundle_weight(data: &JsValue) -> usize {
    if !data.is_object() {
        return 0;
    }
    Object::values(data.unchecked_ref::<Object>())
        .iter()
        .map(|v: JsValue| {
            v.dyn_ref::<js_sys::Uint8Array>()
                .map(|b| b.length() as usize)
                .or_else(|| {
                    v.dyn_ref::<js_sys::JsString>()
                        .map(|s| s.length() as usize * 2)
                })
                .unwrap_or(16)
        })
        .sum()
}

impl Inner {
    pub(super) fn violation(&mut self, which: Which, reason: String) {
        let Some(slot) = self.slot(which) else { return };
        slot.violations += 1;
        let flooded = slot.violations > MAX_VIOLATIONS;
        if which == Which::Active {
            if let Some(current) = &mut self.current {
                if current.exec.violations.len() < MAX_REASONS {
                    current.exec.violations.push(reason);
                }
            }
        }
        if flooded {
            self.slot_died(which, "too many protocol violations".into());
        }
    }
}

pub(super) fn kind_name(message: &FromSandbox) -> &'static str {
    match message {
        FromSandbox::Progress(_) => "progress",
        FromSandbox::Ready(_) => "ready",
        FromSandbox::BootFailed(_) => "bootFailed",
        FromSandbox::Stream(_) => "stream (for no current run)",
        FromSandbox::Display(_) => "display (for no current run)",
        FromSandbox::Done(_) => "done (for no current run)",
        FromSandbox::Fetch(_) => "fetch",
        FromSandbox::Log(_) => "log",
        FromSandbox::Crashed(_) => "crashed",
        FromSandbox::Snapshot(_) => "snapshot (not asked for)",
    }
}
