export { createContact, updateContact, updateContactIn, upsertContact, findContactByEmail, getContact, deleteContact, listContacts, resolveContactIds, changeUniqueKey, CONTACT_COLUMNS, type ContactInput } from './contacts.ts';
export { listFields, createField, updateField, deleteField, loadFieldDefs } from './fields.ts';
export { syncFieldIndexes, fieldIndexJobHandlers } from './field-index.ts';
export { listLists, getList, createList, updateList, deleteList, findListByName, assertLists, joinLists, leaveLists, setListForm, listByFormToken, type JoinSource } from './lists.ts';
export { addTags, removeTags, listTags, renameTag, checkTag } from './tags.ts';
export { setConsent, consentHistory, assertMayResubscribe, EMAIL_STATUSES, SMS_STATUSES, type Channel, type ConsentProof } from './consent.ts';
export { trackEvents, type TrackInput } from './track.ts';
export { normalizeContact, isEmail, contactSettingsSchema, STANDARD_FIELDS, type FieldDef, type FieldType } from './validate.ts';
export { contactSlices, ALL_CONTACTS, EMBEDDED_SLICE, type ContactRange } from './slices.ts';
