//! The page-side fetch proxy: the only network access a sandbox has.

use super::*;

impl Inner {
    pub(super) fn on_fetch(
        &mut self,
        which: Which,
        gen: u32,
        req: u32,
        url: String,
        integrity: Option<String>,
    ) {
        let Some(slot) = self.slot(which) else { return };
        slot.fetches += 1;
        let too_many = slot.fetches > 500;
        if too_many {
            self.log("the sandbox asked for more than 500 downloads; refusing".into());
        }
        let config = &self.config;
        let allowed = !too_many
            && !url.contains("/../")
            && (url.starts_with(&config.package_base_url) || config.packages.contains(&url));
        let refusal = format!(
            "refused: pycage fetches only URLs under packageBaseUrl ({}) or listed in packages",
            config.package_base_url
        );
        let weak = self.weak.clone();
        let timeout = config.boot_timeout_ms.max(60_000.0);
        wasm_bindgen_futures::spawn_local(async move {
            let result = if allowed {
                assets::fetch_bytes(&url, integrity.as_deref(), timeout).await
            } else {
                Err(refusal)
            };
            if let Err(reason) = &result {
                // Call the user's callback with no borrow held: it may call back in.
                let on_log = weak
                    .upgrade()
                    .and_then(|rc| rc.try_borrow().ok().and_then(|i| i.config.on_log.clone()));
                if let Some(on_log) = on_log {
                    run_effects(vec![(
                        on_log,
                        format!("could not fetch {url}: {reason}").into(),
                    )]);
                }
            }
            let Some(rc) = weak.upgrade() else { return };
            let Ok(inner) = rc.try_borrow() else { return };
            let Some(which) = inner.which(gen) else {
                return;
            };
            let (ok, body, error) = match result {
                Ok(body) => (true, JsValue::from(body), None),
                Err(reason) => (false, JsValue::UNDEFINED, Some(reason)),
            };
            let slot = if which == Which::Active {
                &inner.active
            } else {
                &inner.standby
            };
            if let Some(slot) = slot {
                slot.host.post(
                    &ToSandbox::FetchResult {
                        req,
                        ok,
                        body,
                        error,
                    }
                    .to_js(),
                );
            }
        });
    }
}
