export { createMessage, systemMessage, updateMessage, getMessage, listMessages, deleteMessage, describeSms, checkContent, compileMessage, CompiledCache, type MessageRow } from './messages.ts';
export { pickLanguage, emailVersion, smsVersion, type EmailContent, type SmsContent } from './content.ts';
export { listSenders, createSender, updateSender, deleteSender, setDkimKey, listDkimKeys, deleteDkimKey } from './senders.ts';
