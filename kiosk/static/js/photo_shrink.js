/* A camera's photo shrunk on the phone before it is kept or sent: longest side 1280 px, JPEG 0.8,
   so the 4 MB a camera makes become a few hundred KB on a weak link. Shared by the volunteers' app
   (js/phones.js) and the page a kiosk's photo QR opens (js/photo_phone.js). */
(function () {
  "use strict";
  const MAX_EDGE = 1280;
  const JPEG_QUALITY = 0.8;

  window.shrinkPhoto = async function shrinkPhoto(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve, reject) => canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("no JPEG"))), "image/jpeg", JPEG_QUALITY));
  };
})();
