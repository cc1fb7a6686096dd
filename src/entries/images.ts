// assort/images: product photos — loading (path, data URI, URL), classical descriptors (HOG, colour), the
// MobileNetV2 CNN features, the image featurizer, small-image features and the IDX format (Fashion-MNIST).
export type { RgbImage, GrayImage } from "../featurize/image/image.js";
// images: loading and colour descriptors
export {
  loadImage,
  loadImages,
  readImageSource,
  decodeImage,
  mapImages,
  sniffFormat,
  ImageLoadError,
  IMAGE_FORMATS,
  type ImageFormat,
  type ImageErrorCode,
  type ImageSourceOptions,
  type LoadImageOptions,
  type DecodeOptions,
  type ImageSource,
  type LoadedImage,
  type ImageResult,
  type BatchOptions,
} from "../featurize/image/load-image.js";
export {
  colorHistogram,
  colorHistogramInto,
  colorMoments,
  colorDescriptorLength,
  rgbToHsv,
  ColorHistogramParams,
  type ColorHistogramOptions,
} from "../featurize/image/color-histogram.js";
export {
  ImageFeaturizer,
  FittedImageFeaturizer,
  ImageFeaturizerParams,
  restoreImageFeaturizer,
  IMAGE_DESCRIPTORS,
  type ImageFeaturizerParamsInput,
  type ImageFeatures,
  type ImageFitResult,
  type ImageIssue,
  type ImageRunOptions,
  type ImageBlock,
  type ImageDescriptor,
  type CnnEmbedder,
} from "../featurize/image/image-featurizer.js";

// images: CNN features
export {
  MobileNetEmbedder,
  type MobileNetEmbedderOptions,
  type MobileNetEmbedOptions,
} from "../featurize/image/cnn/mobilenet-embedder.js";
export { ensureMobileNetOnnx, defaultCacheDir, type MobileNetOnnxOptions, type MobileNetOnnxFile } from "../featurize/image/cnn/onnx-cache.js";

// images: HOG, IDX, MLP
export {
  hog,
  hogInto,
  hogLayout,
  hogParams,
  hogGradients,
  hogFromGradients,
  HogParams,
  type HogOptions,
  type HogLayout,
  type HogGradients,
} from "../featurize/image/hog.js";
export {
  smallImageFeatures,
  smallImageFeatureLayout,
  smallImageFeaturesParams,
  SmallImageFeaturesParams,
  SMALL_IMAGE_MLP_PARAMS,
  grayImagesFromBytes,
  flipHorizontal,
  type SmallImageFeaturesOptions,
  type SmallImageFeatureLayout,
} from "../featurize/image/small-image-features.js";
export { parseIdx, readIdxFile, readIdxImages, MAX_IDX_BYTES, type IdxArray } from "../catalog/read-idx.js";
