// A screen's actions: a mutation whose outcome is shown in the screen's flash line (in the
// reader's words), followed by a reload of the screen when it went through.
import { gql } from './api.js';
import { t, errorText } from './i18n.js';

/// `act(query, variables)` for a screen with `setFlash` and `reload`; resolves to whether the
/// mutation went through.
export function actionsFor(setFlash, reload) {
  return async (query, variables) => {
    try {
      await gql(query, variables);
      setFlash({ ok: true, text: t('done') });
      await reload();
      return true;
    } catch (failure) {
      setFlash({ ok: false, text: errorText(failure) });
      return false;
    }
  };
}
