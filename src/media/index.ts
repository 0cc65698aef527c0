export { addImage, listImages, deleteImage, readImage, safeFilename, MAX_IMAGE_BYTES, type MediaItem } from './media.ts';
export { sniffImage, type ImageType } from './sniff.ts';
export { mediaRoutes } from './routes.ts';
