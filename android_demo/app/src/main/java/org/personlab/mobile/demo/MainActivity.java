package org.personlab.mobile.demo;

import android.Manifest;
import android.content.pm.PackageManager;
import android.graphics.Bitmap;
import android.graphics.Color;
import android.graphics.Matrix;
import android.os.Bundle;
import android.os.SystemClock;
import android.util.Log;
import android.util.Size;
import android.view.Gravity;
import android.view.ViewGroup;
import android.widget.Button;
import android.widget.FrameLayout;
import android.widget.LinearLayout;
import androidx.annotation.NonNull;
import androidx.appcompat.app.AppCompatActivity;
import androidx.camera.core.CameraSelector;
import androidx.camera.core.ImageAnalysis;
import androidx.camera.core.ImageProxy;
import androidx.camera.core.Preview;
import androidx.camera.lifecycle.ProcessCameraProvider;
import androidx.camera.view.PreviewView;
import androidx.core.app.ActivityCompat;
import androidx.core.content.ContextCompat;
import com.google.common.util.concurrent.ListenableFuture;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * CameraX preview + analysis: each analysis frame is made upright, letterboxed into the model input,
 * run through LiteRT on the chosen backend (CPU/XNNPACK, GPU delegate, NNAPI) and decoded by the
 * core module; the overlay draws the people. Buttons cycle the backend, CPU threads and camera.
 */
public final class MainActivity extends AppCompatActivity {
    private static final String TAG = "PersonLab";
    private static final int CAMERA_REQUEST = 1;
    private static final int[] THREADS = {1, 2, 4};

    private PreviewView previewView;
    private OverlayView overlay;
    private Button backendButton;
    private Button threadsButton;
    private final ExecutorService analyzer = Executors.newSingleThreadExecutor();

    // touched on the analyzer thread only
    private PoseEstimator estimator;
    private volatile PoseEstimator.Backend backend = PoseEstimator.Backend.CPU;
    private volatile int threadIndex = 1;
    private volatile boolean front;
    private long lastFrame;
    private double fps;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        FrameLayout root = new FrameLayout(this);
        previewView = new PreviewView(this);
        previewView.setScaleType(PreviewView.ScaleType.FILL_CENTER);
        previewView.setImplementationMode(PreviewView.ImplementationMode.COMPATIBLE);
        overlay = new OverlayView(this);
        root.addView(previewView, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT));
        root.addView(overlay, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT));
        LinearLayout bar = new LinearLayout(this);
        bar.setOrientation(LinearLayout.HORIZONTAL);
        bar.setBackgroundColor(0x80000000);
        backendButton = new Button(this);
        threadsButton = new Button(this);
        Button cameraButton = new Button(this);
        cameraButton.setText("Flip camera");
        bar.addView(backendButton);
        bar.addView(threadsButton);
        bar.addView(cameraButton);
        FrameLayout.LayoutParams barParams = new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT);
        barParams.gravity = Gravity.BOTTOM;
        root.addView(bar, barParams);
        root.setBackgroundColor(Color.BLACK);
        setContentView(root);
        updateButtons();

        backendButton.setOnClickListener(v -> {
            PoseEstimator.Backend[] all = PoseEstimator.Backend.values();
            backend = all[(backend.ordinal() + 1) % all.length];
            updateButtons();
            analyzer.execute(this::closeEstimator); // rebuilt on the next frame
        });
        threadsButton.setOnClickListener(v -> {
            threadIndex = (threadIndex + 1) % THREADS.length;
            updateButtons();
            analyzer.execute(this::closeEstimator);
        });
        cameraButton.setOnClickListener(v -> {
            front = !front;
            startCamera();
        });

        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            startCamera();
        } else {
            ActivityCompat.requestPermissions(this, new String[] {Manifest.permission.CAMERA}, CAMERA_REQUEST);
        }
    }

    private void updateButtons() {
        backendButton.setText(backend.name());
        threadsButton.setText(THREADS[threadIndex] + " threads");
        threadsButton.setEnabled(backend != PoseEstimator.Backend.GPU);
    }

    @Override
    public void onRequestPermissionsResult(int requestCode, @NonNull String[] permissions, @NonNull int[] results) {
        super.onRequestPermissionsResult(requestCode, permissions, results);
        if (requestCode == CAMERA_REQUEST && results.length > 0 && results[0] == PackageManager.PERMISSION_GRANTED) {
            startCamera();
        } else {
            overlay.showStatus("camera permission denied");
        }
    }

    private void startCamera() {
        ListenableFuture<ProcessCameraProvider> future = ProcessCameraProvider.getInstance(this);
        future.addListener(() -> {
            try {
                ProcessCameraProvider provider = future.get();
                Preview preview = new Preview.Builder().build();
                preview.setSurfaceProvider(previewView.getSurfaceProvider());
                ImageAnalysis analysis = new ImageAnalysis.Builder()
                        .setTargetResolution(new Size(480, 640))
                        .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                        .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_RGBA_8888)
                        .build();
                analysis.setAnalyzer(analyzer, this::analyze);
                CameraSelector selector = front ? CameraSelector.DEFAULT_FRONT_CAMERA : CameraSelector.DEFAULT_BACK_CAMERA;
                provider.unbindAll();
                provider.bindToLifecycle(this, selector, preview, analysis);
            } catch (Exception err) {
                Log.e(TAG, "camera", err);
                overlay.showStatus("camera failed: " + err.getMessage());
            }
        }, ContextCompat.getMainExecutor(this));
    }

    private void closeEstimator() {
        if (estimator != null) {
            estimator.close();
            estimator = null;
        }
    }

    /** Analyzer thread. */
    private void analyze(@NonNull ImageProxy image) {
        try {
            if (estimator == null) {
                try {
                    estimator = new PoseEstimator(this, backend, THREADS[threadIndex]);
                } catch (Exception err) { // e.g. no GPU delegate support, or a missing asset
                    Log.e(TAG, "backend " + backend, err);
                    final String why = backend + " failed: " + err.getMessage();
                    runOnUiThread(() -> overlay.showStatus(why));
                    if (backend != PoseEstimator.Backend.CPU) {
                        backend = PoseEstimator.Backend.CPU;
                        runOnUiThread(this::updateButtons);
                    }
                    return;
                }
            }
            Bitmap frame = image.toBitmap();
            int rotation = image.getImageInfo().getRotationDegrees();
            if (rotation != 0) {
                Matrix m = new Matrix();
                m.postRotate(rotation);
                frame = Bitmap.createBitmap(frame, 0, 0, frame.getWidth(), frame.getHeight(), m, true);
            }
            PoseEstimator.Frame out = estimator.process(frame);
            long now = SystemClock.elapsedRealtime();
            if (lastFrame > 0) {
                double instant = 1000.0 / Math.max(1, now - lastFrame);
                fps = fps == 0 ? instant : 0.9 * fps + 0.1 * instant;
            }
            lastFrame = now;
            final String status = String.format(Locale.ROOT,
                    "%s%s  %.1f FPS\ninference %d ms  decode %d ms\n%d people",
                    estimator.backend, estimator.backend == PoseEstimator.Backend.GPU ? "" : " x" + estimator.threads,
                    fps, out.inferenceMs, out.decodeMs, out.result.people.size());
            final org.personlab.mobile.core.Metadata metadata = estimator.metadata;
            final boolean mirrored = front;
            runOnUiThread(() -> overlay.show(out, metadata, status, mirrored));
        } catch (RuntimeException err) {
            Log.e(TAG, "frame", err);
            final String why = "error: " + err.getMessage();
            runOnUiThread(() -> overlay.showStatus(why));
        } finally {
            image.close();
        }
    }

    @Override
    protected void onDestroy() {
        super.onDestroy();
        analyzer.execute(this::closeEstimator);
        analyzer.shutdown();
    }
}
