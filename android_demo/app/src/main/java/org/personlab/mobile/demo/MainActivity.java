package org.personlab.mobile.demo;

import android.Manifest;
import android.app.AlertDialog;
import android.content.pm.PackageManager;
import android.graphics.Color;
import android.os.Build;
import android.os.Bundle;
import android.util.Log;
import android.util.Size;
import android.view.Gravity;
import android.view.ViewGroup;
import android.view.WindowManager;
import android.widget.Button;
import android.widget.FrameLayout;
import android.widget.LinearLayout;
import android.widget.SeekBar;
import android.widget.TextView;
import androidx.annotation.NonNull;
import androidx.appcompat.app.AppCompatActivity;
import androidx.camera.core.CameraSelector;
import androidx.camera.core.ImageAnalysis;
import androidx.camera.core.ImageProxy;
import androidx.camera.core.Preview;
import androidx.camera.core.UseCaseGroup;
import androidx.camera.core.ViewPort;
import androidx.camera.core.resolutionselector.ResolutionSelector;
import androidx.camera.core.resolutionselector.ResolutionStrategy;
import androidx.camera.lifecycle.ProcessCameraProvider;
import androidx.camera.view.PreviewView;
import androidx.core.app.ActivityCompat;
import androidx.core.content.ContextCompat;
import com.google.common.util.concurrent.ListenableFuture;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.personlab.mobile.core.Backend;
import org.personlab.mobile.core.Decoder;
import org.personlab.mobile.core.FrameGeometry;
import org.personlab.mobile.core.MetadataException;
import org.personlab.mobile.core.ModelCatalog;
import org.personlab.mobile.core.OverlayFrame;
import org.personlab.mobile.core.Person;
import org.personlab.mobile.core.PersonColours;
import org.personlab.mobile.core.StageTimes;
import org.personlab.mobile.core.Track;
import org.personlab.mobile.core.Tracker;
import org.personlab.mobile.core.ViewTransform;

/**
 * The shell around core: CameraX preview + analysis bound in one UseCaseGroup with the PreviewView's
 * ViewPort (the analysed crop is what is shown), a LiteRT backend with fallback to the CPU, controls
 * (model size, backend, threads, thresholds, camera), tracking (stable colours, smoothed keypoints), and
 * lifecycle (camera and model released in onPause, screen kept on). Everything that is not an Android
 * call is in core and tested there.
 */
public final class MainActivity extends AppCompatActivity {
    private static final String TAG = "PersonLab";
    private static final int CAMERA_REQUEST = 1;
    private static final int[] THREADS = {1, 2, 4};
    private static final long STATUS_EVERY_NANOS = 250_000_000L;
    private static final int FRAMES = 3; // overlay frames in flight: analyzer, pending, shown
    private static final int UNTRACKED = 0xFF9E9E9E;

    private PreviewView previewView;
    private OverlayView overlay;
    private Button sizeButton;
    private Button backendButton;
    private Button threadsButton;
    private TextView thresholdLabel;
    private ModelCatalog catalog;
    private List<String> sizes;
    private List<Backend> backends;
    private ProcessCameraProvider provider;
    private final ExecutorService analyzer = Executors.newSingleThreadExecutor();

    // settings: written on the UI thread, read on the analyzer thread
    private volatile int sizeIndex;
    private volatile Backend wanted = Backend.CPU;
    private volatile int threadIndex = 1;
    private volatile boolean front;
    private volatile double minPersonScore = -1; // < 0: the model's default
    private volatile boolean rebuild = true;
    private volatile boolean newStream = true; // the camera changed: tracks start again

    // analyzer thread only
    private PoseEstimator estimator;
    private Tracker tracker; // null when the model's metadata has no tracker settings
    private Track[] trackOf = new Track[0]; // this frame's track of each person, null: untracked
    private boolean failed; // the last build failed: wait for a settings change, do not retry per frame
    private final StageTimes times = new StageTimes();
    private long lastStatus;
    private String timesText = "";
    private int[] colours = new int[0];
    private ViewTransform view;
    private FrameGeometry viewGeometry;
    private int viewW;
    private int viewH;
    private boolean viewFront;

    // frames handed between the threads without allocating
    private final ArrayBlockingQueue<OverlayFrame> free = new ArrayBlockingQueue<>(FRAMES);
    private final AtomicReference<OverlayFrame> pending = new AtomicReference<>();
    private final Runnable showPending = this::showPending;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        getWindow().addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON);
        for (int i = 0; i < FRAMES; i++) {
            free.add(new OverlayFrame());
        }
        try {
            String[] assets = getAssets().list("");
            catalog = new ModelCatalog(assets == null ? new String[0] : assets);
        } catch (IOException err) {
            catalog = new ModelCatalog(new String[0]);
        }
        sizes = catalog.sizes();
        backends = Backend.offered(Build.VERSION.SDK_INT);
        buildViews();
        if (sizes.isEmpty()) {
            overlay.setBackendStatus("no models in the assets: run `make android-assets` and rebuild");
        }
    }

    private void buildViews() {
        FrameLayout root = new FrameLayout(this);
        previewView = new PreviewView(this);
        previewView.setScaleType(PreviewView.ScaleType.FILL_CENTER);
        previewView.setImplementationMode(PreviewView.ImplementationMode.COMPATIBLE);
        overlay = new OverlayView(this);
        ViewGroup.LayoutParams fill = new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT);
        root.addView(previewView, fill);
        root.addView(overlay, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT));
        LinearLayout bar = new LinearLayout(this);
        bar.setOrientation(LinearLayout.VERTICAL);
        bar.setBackgroundColor(0x80000000);
        LinearLayout buttons = new LinearLayout(this);
        sizeButton = button(buttons, v -> {
            sizeIndex = (sizeIndex + 1) % Math.max(sizes.size(), 1);
            settingsChanged();
        });
        backendButton = button(buttons, v -> {
            wanted = backends.get((backends.indexOf(wanted) + 1) % backends.size());
            settingsChanged();
        });
        threadsButton = button(buttons, v -> {
            threadIndex = (threadIndex + 1) % THREADS.length;
            settingsChanged();
        });
        button(buttons, v -> {
            front = !front;
            newStream = true;
            startCamera();
        }).setText("Flip camera");
        bar.addView(buttons);
        thresholdLabel = new TextView(this);
        thresholdLabel.setTextColor(Color.WHITE);
        bar.addView(thresholdLabel);
        SeekBar threshold = new SeekBar(this);
        threshold.setMax(50); // min person score 0.00 .. 0.50
        threshold.setOnSeekBarChangeListener(new SeekBar.OnSeekBarChangeListener() {
            @Override
            public void onProgressChanged(SeekBar s, int progress, boolean fromUser) {
                if (fromUser) {
                    minPersonScore = progress / 100.0;
                    showThreshold();
                }
            }

            @Override
            public void onStartTrackingTouch(SeekBar s) {
            }

            @Override
            public void onStopTrackingTouch(SeekBar s) {
            }
        });
        bar.addView(threshold);
        FrameLayout.LayoutParams barParams = new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT);
        barParams.gravity = Gravity.BOTTOM;
        root.addView(bar, barParams);
        root.setBackgroundColor(Color.BLACK);
        setContentView(root);
        updateButtons();
        showThreshold();
    }

    private Button button(LinearLayout row, android.view.View.OnClickListener click) {
        Button b = new Button(this);
        b.setOnClickListener(click);
        row.addView(b);
        return b;
    }

    private void settingsChanged() {
        updateButtons();
        rebuild = true;
    }

    private void updateButtons() {
        sizeButton.setText(sizes.isEmpty() ? "no model" : sizes.get(sizeIndex));
        backendButton.setText(wanted.label);
        threadsButton.setText(THREADS[threadIndex] + " threads");
        threadsButton.setEnabled(wanted.usesThreads());
    }

    private void showThreshold() {
        double v = minPersonScore;
        thresholdLabel.setText(v < 0 ? "min person score: model default" : String.format(Locale.ROOT, "min person score %.2f", v));
    }

    @Override
    protected void onResume() {
        super.onResume();
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            previewView.post(this::startCamera); // the ViewPort exists once the view is laid out
        } else if (ActivityCompat.shouldShowRequestPermissionRationale(this, Manifest.permission.CAMERA)) {
            new AlertDialog.Builder(this)
                    .setTitle("Camera")
                    .setMessage("PersonLab finds people and their poses in the camera picture, on this phone; nothing leaves it.")
                    .setPositiveButton("Continue", (d, w) -> requestCamera())
                    .setNegativeButton("Not now", (d, w) -> overlay.setBackendStatus("no camera permission"))
                    .show();
        } else {
            requestCamera();
        }
    }

    private void requestCamera() {
        ActivityCompat.requestPermissions(this, new String[] {Manifest.permission.CAMERA}, CAMERA_REQUEST);
    }

    @Override
    public void onRequestPermissionsResult(int requestCode, @NonNull String[] permissions, @NonNull int[] results) {
        super.onRequestPermissionsResult(requestCode, permissions, results);
        if (requestCode == CAMERA_REQUEST && results.length > 0 && results[0] == PackageManager.PERMISSION_GRANTED) {
            previewView.post(this::startCamera);
        } else {
            overlay.setBackendStatus("no camera permission: allow it in the app's settings to see poses");
        }
    }

    @Override
    protected void onPause() {
        super.onPause();
        if (provider != null) {
            provider.unbindAll();
        }
        analyzer.execute(this::closeEstimator); // the model and its delegate go with the camera
        OverlayFrame shown = overlay.clear();
        if (shown != null) {
            free.offer(shown);
        }
    }

    @Override
    protected void onDestroy() {
        super.onDestroy();
        analyzer.shutdown();
    }

    private void startCamera() {
        ListenableFuture<ProcessCameraProvider> future = ProcessCameraProvider.getInstance(this);
        future.addListener(() -> {
            try {
                provider = future.get();
                ViewPort viewPort = previewView.getViewPort();
                if (viewPort == null || isFinishing()) {
                    return;
                }
                Preview preview = new Preview.Builder().build();
                preview.setSurfaceProvider(previewView.getSurfaceProvider());
                ImageAnalysis analysis = new ImageAnalysis.Builder()
                        .setResolutionSelector(new ResolutionSelector.Builder()
                                .setResolutionStrategy(new ResolutionStrategy(new Size(640, 480),
                                        ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER))
                                .build())
                        .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                        .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888)
                        .build();
                analysis.setAnalyzer(analyzer, this::analyze);
                UseCaseGroup group = new UseCaseGroup.Builder()
                        .addUseCase(preview)
                        .addUseCase(analysis)
                        .setViewPort(viewPort)
                        .build();
                CameraSelector selector = front ? CameraSelector.DEFAULT_FRONT_CAMERA : CameraSelector.DEFAULT_BACK_CAMERA;
                provider.unbindAll();
                provider.bindToLifecycle(this, selector, group);
            } catch (Exception err) {
                Log.e(TAG, "camera", err);
                overlay.setBackendStatus("camera failed: " + err.getMessage());
            }
        }, ContextCompat.getMainExecutor(this));
    }

    // ---------------------------------------------------------------- analyzer thread

    private void closeEstimator() {
        if (estimator != null) {
            estimator.close();
            estimator = null;
        }
    }

    /** The wanted model and backend; the CPU when another backend fails. One message, kept on screen. */
    private void ensureEstimator() {
        if (!rebuild && (estimator != null || failed)) {
            return;
        }
        rebuild = false;
        failed = false;
        closeEstimator();
        if (sizes.isEmpty()) {
            failed = true;
            return;
        }
        String size = sizes.get(sizeIndex % sizes.size());
        Backend backend = wanted;
        int threads = THREADS[threadIndex];
        String status;
        try {
            estimator = new PoseEstimator(this, catalog.pick(backend, size), backend, threads);
            status = label(estimator);
        } catch (Throwable err) { // GPU / NNAPI delegates fail with errors as well as exceptions
            Log.e(TAG, "backend " + backend, err);
            status = backend.label + " failed (" + err.getMessage() + ")";
            if (backend != Backend.CPU) {
                try {
                    estimator = new PoseEstimator(this, catalog.pick(Backend.CPU, size), Backend.CPU, threads);
                    status += ": running " + label(estimator);
                } catch (Throwable cpuErr) {
                    Log.e(TAG, "backend CPU", cpuErr);
                    status += "; CPU failed too (" + cpuErr.getMessage() + ")";
                }
            }
            failed = estimator == null;
        }
        tracker = null;
        if (estimator != null) {
            try {
                tracker = Tracker.from(estimator.metadata);
            } catch (MetadataException err) {
                status += "  (no tracking: " + err.getMessage() + ")";
            }
        }
        final String shown = status;
        runOnUiThread(() -> overlay.setBackendStatus(shown));
    }

    private static String label(PoseEstimator e) {
        return e.backend.label + (e.backend.usesThreads() ? " x" + e.threads : "") + "  " + e.model.size() + " " + e.model.variant;
    }

    private void analyze(@NonNull ImageProxy image) {
        try {
            ensureEstimator();
            if (estimator == null) {
                return;
            }
            double threshold = minPersonScore;
            if (threshold >= 0) {
                estimator.config.minPersonScore = threshold;
            }
            Decoder.Result result = estimator.process(image);
            long now = System.nanoTime();
            times.add(estimator.preprocessNanos, estimator.inferenceNanos, estimator.decodeNanos, now);
            if (now - lastStatus > STATUS_EVERY_NANOS) {
                timesText = result.people.size() + " people  " + times;
                lastStatus = now;
            }
            OverlayFrame f = free.poll();
            if (f == null) { // the UI is behind: drop this frame's drawing
                return;
            }
            draw(f, result, image.getImageInfo().getTimestamp() / 1e9);
            f.status = timesText;
            OverlayFrame stale = pending.getAndSet(f);
            if (stale != null) {
                free.offer(stale);
            }
            overlay.post(showPending);
        } catch (RuntimeException err) {
            Log.e(TAG, "frame", err);
            final String why = "error: " + err.getMessage();
            failed = true;
            closeEstimator();
            runOnUiThread(() -> overlay.setBackendStatus(why));
        } finally {
            image.close();
        }
    }

    /** Model input -> overlay view, rebuilt only when the frame geometry, the view or the camera changes. */
    private ViewTransform viewTransform(PoseEstimator e) {
        FrameGeometry g = e.geometry();
        int w = overlay.getWidth();
        int h = overlay.getHeight();
        if (view == null || g != viewGeometry || w != viewW || h != viewH || front != viewFront) {
            view = ViewTransform.of(e.letterbox(), g.uprightW, g.uprightH, w, h, front);
            viewGeometry = g;
            viewW = w;
            viewH = h;
            viewFront = front;
        }
        return view;
    }

    /**
     * The frame's overlay: with a tracker, each person's smoothed keypoints and the colour of its track id
     * (a person keeps its colour while tracked; untracked ones are grey); without, raw keypoints coloured
     * by their index in the frame.
     */
    private void draw(OverlayFrame f, Decoder.Result result, double timeSeconds) {
        ViewTransform t = viewTransform(estimator);
        int[][] edges = estimator.metadata.edges;
        double floor = estimator.config.keypointFloor;
        int n = result.people.size();
        if (colours.length < n) {
            colours = new int[n];
            trackOf = new Track[n];
        }
        if (tracker == null) {
            for (int p = 0; p < n; p++) {
                colours[p] = PersonColours.of(p);
            }
            f.fill(result, t, edges, colours, floor);
            return;
        }
        if (newStream) {
            newStream = false;
            tracker.reset();
        }
        Arrays.fill(trackOf, 0, n, null);
        for (Track track : tracker.update(result.people, timeSeconds)) {
            trackOf[track.index] = track;
        }
        f.begin(n, estimator.metadata.numKeypoints(), edges.length, result.maskH * result.maskW);
        for (int p = 0; p < n; p++) {
            Track track = trackOf[p];
            Person person = result.people.get(p);
            colours[p] = track == null ? UNTRACKED : PersonColours.of(track.id);
            if (track == null) {
                f.addPerson(person.y, person.x, person.scores, person.score, colours[p], t, edges, floor);
            } else {
                f.addPerson(track.y, track.x, track.scores, person.score, colours[p], t, edges, floor);
            }
        }
        f.setMask(result, colours, t);
    }

    // ---------------------------------------------------------------- UI thread

    private void showPending() {
        OverlayFrame f = pending.getAndSet(null);
        if (f != null) {
            OverlayFrame previous = overlay.show(f);
            if (previous != null) {
                free.offer(previous);
            }
        }
    }
}
