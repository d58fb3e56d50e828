// What a role does in the console (the API enforces the same table; see README's Roles).
export const canWork = (role) => ['SUPERVISOR', 'OPERATOR', 'OFFICER'].includes(role);
export const isCommandCenter = (role) => ['SUPERVISOR', 'OPERATOR'].includes(role);
export const isAdmin = (role) => role === 'ADMIN';
