// The profile's categories and the unit tree, loaded once per sign-in and shared by screens.
import { gql } from './api.js';

let categories = null;
let units = null;
let channels = null;

const UNIT = 'code name kind active parentCode';

export async function loadCategories() {
  if (!categories) categories = gql('{ categories { code label group urgentDefault routesTo } }').then((d) => d.categories);
  try { return await categories; } catch (error) { categories = null; throw error; }
}

/// Every unit, flat, in tree order, each with its depth and the codes of its ancestors.
export async function loadUnits() {
  if (!units) {
    units = gql(`{ units { ${UNIT} children { ${UNIT} children { ${UNIT} children { ${UNIT} children { ${UNIT} } } } } } }`)
      .then((data) => {
        const flat = [];
        const walk = (unit, depth, ancestors) => {
          flat.push({ ...unit, depth, ancestors, children: undefined });
          (unit.children ?? []).forEach((child) => walk(child, depth + 1, [...ancestors, unit.code]));
        };
        data.units.forEach((root) => walk(root, 0, []));
        return flat;
      });
  }
  try { return await units; } catch (error) { units = null; throw error; }
}

/// The configured business numbers; the console shows channels only when there are several.
export async function loadChannels() {
  if (!channels) channels = gql('{ channels { phoneNumberId displayNumber label } }').then((d) => d.channels);
  try { return await channels; } catch (error) { channels = null; throw error; }
}

export function forgetReference() { categories = null; units = null; channels = null; }

export function categoryLabel(list, code) {
  if (!code) return '—';
  return list?.find((category) => category.code === code)?.label ?? code;
}
