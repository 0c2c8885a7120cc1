package org.resnet4j.tensorboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.util.Event;

class EventFileWriterTest {
    @TempDir
    Path dir;

    /** The bytes TensorBoard's own RecordWriter writes for Event(wall_time=1.5, step=7, file_version=...). */
    private static final String TENSORBOARD_RECORD = "1a00000000000000129bd82d"
            + "09000000000000f83f10071a0d627261696e2e4576656e743a32" + "da446486";

    @Test
    void aRecordIsFramedByteForByteAsTensorBoardWritesIt() {
        Event e = Event.newBuilder().setWallTime(1.5).setStep(7).setFileVersion("brain.Event:2").build();
        assertThat(HexFormat.of().formatHex(EventFileWriter.frame(e.toByteArray()))).isEqualTo(TENSORBOARD_RECORD);
    }

    @Test
    void theMaskIsTfRecordsOnTheCastagnoliCheckValue() {
        // CRC-32C("123456789") = 0xE3069283; masked: rotate right by 15, add 0xa282ead8
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        int crc = 0xE3069283;
        assertThat(EventFileWriter.maskedCrc32c(check, 0, check.length))
                .isEqualTo(((crc >>> 15) | (crc << 17)) + 0xa282ead8);
    }

    @Test
    void aNewFileStartsWithTheFileVersionAndNeverReplacesAnother() throws IOException {
        Path first;
        Path second;
        try (EventFileWriter a = EventFileWriter.create(dir); EventFileWriter b = EventFileWriter.create(dir)) {
            first = a.path();
            second = b.path();
        }
        assertThat(first).isNotEqualTo(second);
        assertThat(first.getFileName().toString()).matches("events\\.out\\.tfevents\\.\\d+\\..+");
        byte[] bytes = Files.readAllBytes(first);
        long length = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(bytes).hasSize((int) (8 + 4 + length + 4));
        Event e = Event.parseFrom(java.util.Arrays.copyOfRange(bytes, 12, 12 + (int) length));
        assertThat(e.getFileVersion()).isEqualTo(EventFileWriter.FILE_VERSION);
        assertThat(e.getWallTime()).isPositive();
    }
}
