package sandbox

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"strings"
)

// portraitSize is the side of the generated square photos, in pixels.
const portraitSize = 200

// servePhoto is /media/<id>.png: a generated portrait for a member whose
// photo is public, the same for the same member on every run, so a real
// photo is visibly different from the widget's initials avatar.
func (s *Sandbox) servePhoto(w http.ResponseWriter, r *http.Request) {
	s.count("media.photo")
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/media/"), ".png")
	p, known := s.cat().members[id]
	if !known || !p.Photo {
		writeAPIError(w, apiError{Status: http.StatusNotFound, Message: "No public photo for this member"})
		return
	}
	img, err := s.portrait(id)
	if err != nil {
		writeAPIError(w, apiError{Status: http.StatusInternalServerError, Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Length", fmt.Sprint(len(img)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(img)
}

// portrait returns the PNG for id, drawing it on first use.
func (s *Sandbox) portrait(id string) ([]byte, error) {
	s.mu.Lock()
	img, cached := s.photos[id]
	s.mu.Unlock()
	if cached {
		return img, nil
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, drawPortrait(id)); err != nil {
		return nil, fmt.Errorf("encode portrait: %w", err)
	}
	s.mu.Lock()
	s.photos[id] = buf.Bytes()
	s.mu.Unlock()
	return buf.Bytes(), nil
}

// drawPortrait paints a head-and-shoulders silhouette on a background
// whose colours come from a hash of id.
func drawPortrait(id string) *image.RGBA {
	sum := sha256.Sum256([]byte(id))
	bg := color.RGBA{90 + sum[0]%130, 90 + sum[1]%130, 90 + sum[2]%130, 255}
	fg := color.RGBA{bg.R / 3, bg.G / 3, bg.B / 3, 255}
	skin := color.RGBA{150 + sum[3]%90, 110 + sum[4]%80, 80 + sum[5]%70, 255}
	img := image.NewRGBA(image.Rect(0, 0, portraitSize, portraitSize))
	draw.Draw(img, img.Bounds(), &image.Uniform{bg}, image.Point{}, draw.Src)
	const n = portraitSize
	for y := range n {
		for x := range n {
			dx := float64(x - n/2)
			// Shoulders: the top half of a wide ellipse at the bottom.
			sy := float64(y - n)
			if dx*dx/(0.42*n*0.42*n)+sy*sy/(0.36*n*0.36*n) <= 1 {
				img.SetRGBA(x, y, fg)
			}
			// Head: a circle above the shoulders.
			hy := float64(y) - 0.40*n
			if dx*dx+hy*hy <= 0.19*n*0.19*n {
				img.SetRGBA(x, y, skin)
			}
		}
	}
	return img
}
